{#-
    Atomic publishing (docs/publishing.md). dbt builds everything into the profile's schema,
    `<MYSQL_DATABASE>_build`; the service reads `<MYSQL_DATABASE>`. When a whole `dbt build` passed,
    the on-run-end hook moves the new mart tables into the service's database with ONE multi-table
    RENAME TABLE, so readers see all the old marts or all the new ones and never a missing table.
-#}

{% macro published_schema() %}
    {#- The service's database: the build database's name without `_build`. -#}
    {%- set suffix = '_build' -%}
    {%- if not target.schema.endswith(suffix) -%}
        {{ exceptions.raise_compiler_error(
            "the profile's schema must end in '" ~ suffix ~ "' (got '" ~ target.schema ~ "'): dbt builds into "
            ~ "<db>_build and publishes into <db>; see docs/publishing.md") }}
    {%- endif -%}
    {{ return(target.schema[:-(suffix | length)]) }}
{% endmacro %}

{% macro prepare_databases() %}
    {#-
        on-run-start. dbt creates the build database (before this hook, for the commands that
        build) with the server's default collation (utf8mb4_general_ci on MariaDB,
        utf8mb4_0900_ai_ci on MySQL 8); the landing tables use utf8mb4_unicode_ci, and joins across
        databases need one collation.
    -#}
    {%- if execute -%}
        {%- set charset = 'character set utf8mb4 collate utf8mb4_unicode_ci' -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(target.schema) ~ ' ' ~ charset) -%}
        {%- do run_query('alter database ' ~ adapter.quote(target.schema) ~ ' ' ~ charset) -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(published_schema()) ~ ' ' ~ charset) -%}
    {%- endif -%}
{% endmacro %}

{% macro publish_blockers(results) %}
    {#- Why this invocation must not publish; empty when it may. -#}
    {%- set blockers = [] -%}
    {%- if flags.WHICH != 'build' -%}
        {{ return(['only `dbt build` publishes (this is `dbt ' ~ flags.WHICH ~ '`)']) }}
    {%- endif -%}
    {%- for result in results if result.status not in ['success', 'pass', 'warn'] -%}
        {%- do blockers.append(result.node.unique_id ~ ': ' ~ result.status) -%}
    {%- endfor -%}
    {%- set ran = results | map(attribute='node') | map(attribute='unique_id') | list -%}
    {%- set left_out = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type in ['model', 'seed', 'snapshot', 'test'] and node.unique_id not in ran -%}
            {%- do left_out.append(node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if left_out -%}
        {%- do blockers.append(
            (left_out | length) ~ ' nodes were not selected (' ~ (left_out[:3] | join(', ')) ~ ', ...): '
            ~ 'only a build of the whole project publishes') -%}
    {%- endif -%}
    {{ return(blockers) }}
{% endmacro %}

{% macro published_models() %}
    {#- The models tagged `published` (the marts), in name order. -#}
    {%- set models = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and 'published' in node.tags -%}
            {%- do models.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(models) }}
{% endmacro %}

{% macro publish_marts(results) %}
    {#- on-run-end: publish when every node of the project ran in this `dbt build` and passed. -#}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set served = published_schema() -%}
    {%- set blockers = publish_blockers(results) -%}
    {%- if blockers -%}
        {{ log('publish: nothing published; `' ~ served ~ '` is unchanged. ' ~ (blockers | join('; ')), info=True) }}
        {{ return('') }}
    {%- endif -%}

    {%- set build = target.schema -%}
    {%- set models = published_models() -%}
    {%- set published_ids = models | map(attribute='unique_id') | list -%}
    {%- set compiled = {} -%}
    {%- for result in results -%}
        {%- do compiled.update({result.node.unique_id: result.node.compiled_code}) -%}
    {%- endfor -%}
    {%- set existing = {} -%}
    {%- for row in run_query(
        "select table_name, table_type from information_schema.tables where table_schema = '" ~ served ~ "'") -%}
        {%- do existing.update({row[0]: row[1]}) -%}
    {%- endfor -%}

    {#- 1. Plan, and check everything before changing anything. -#}
    {%- set drops = [] -%}
    {%- set renames = [] -%}
    {%- set previous = [] -%}
    {%- set views = [] -%}
    {%- for model in models -%}
        {%- set name = adapter.quote(model.name) -%}
        {%- set kind = model.config.materialized -%}
        {%- if kind not in ['table', 'view'] -%}
            {{ exceptions.raise_compiler_error(
                'publish: nothing published; ' ~ model.name ~ ' is materialized as ' ~ kind
                ~ ', and published models are tables or views') }}
        {%- endif -%}
        {%- if existing.get(model.name) == 'BASE TABLE' -%}
            {%- set old = adapter.quote(build) ~ '.' ~ adapter.quote(model.name ~ '__previous') -%}
            {%- do renames.append(adapter.quote(served) ~ '.' ~ name ~ ' to ' ~ old) -%}
            {%- do previous.append(old) -%}
        {%- elif existing.get(model.name) == 'VIEW' and kind == 'table' -%}
            {#- Only after a model changed from view to table: a view cannot move across databases. -#}
            {%- do drops.append('drop view ' ~ adapter.quote(served) ~ '.' ~ name) -%}
        {%- endif -%}
        {%- if kind == 'table' -%}
            {%- do renames.append(adapter.quote(build) ~ '.' ~ name ~ ' to ' ~ adapter.quote(served) ~ '.' ~ name) -%}
        {%- else -%}
            {#-
                A published view reads published models, and live sources: tables other programs
                write (the service's O*NET Web Services store), named with their database, whose
                rows are meant to be served as soon as they are written.
            -#}
            {%- for dependency in model.depends_on.nodes
                if dependency not in published_ids and not is_live_source(dependency) -%}
                {{ exceptions.raise_compiler_error(
                    'publish: nothing published; the view ' ~ model.name ~ ' reads ' ~ dependency
                    ~ ', which is neither published nor a live source, so it would not resolve in `'
                    ~ served ~ '` or would change with the build database') }}
            {%- endfor -%}
            {#-
                A view cannot be renamed into another database. The view in the service's
                database names the published tables, so it switches to the new ones with the
                RENAME below; replacing it afterwards only matters when its definition changed.
            -#}
            {%- do views.append({
                'id': model.unique_id,
                'reads': model.depends_on.nodes,
                'sql': 'create or replace view ' ~ adapter.quote(served) ~ '.' ~ name ~ ' as '
                    ~ (compiled[model.unique_id] | replace(adapter.quote(build) ~ '.', adapter.quote(served) ~ '.')),
            }) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- 2. Publish. The RENAME is the one statement that changes what the service reads. -#}
    {%- if previous -%}
        {%- do run_query('drop table if exists ' ~ (previous | join(', '))) -%}
    {%- endif -%}
    {%- for statement in drops -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- if renames -%}
        {%- do run_query('rename table ' ~ (renames | join(', '))) -%}
    {%- endif -%}
    {%- for statement in views_in_dependency_order(views) -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}

    {#- 3. Tidy the build database: drop the replaced tables; leave a view of each published one. -#}
    {%- if previous -%}
        {%- do run_query('drop table ' ~ (previous | join(', '))) -%}
    {%- endif -%}
    {%- for model in models if model.config.materialized == 'table' -%}
        {#- So dbt's later commands in the build database (docs generate, test, show) see what is served. -#}
        {%- do run_query(
            'create or replace view ' ~ adapter.quote(build) ~ '.' ~ adapter.quote(model.name)
            ~ ' as select * from ' ~ adapter.quote(served) ~ '.' ~ adapter.quote(model.name)) -%}
    {%- endfor -%}
    {{ log('publish: ' ~ (models | length) ~ ' marts published into `' ~ served ~ '`: '
        ~ (models | map(attribute='name') | join(', ')), info=True) }}
    {{ return('') }}
{% endmacro %}

{% macro is_live_source(unique_id) %}
    {#- Whether the node is a source tagged `live` (e.g. the O*NET Web Services store). -#}
    {%- set node = graph.sources.get(unique_id) -%}
    {{ return(node is not none and 'live' in node.tags) }}
{% endmacro %}

{% macro views_in_dependency_order(views) %}
    {#- The views' statements, each after those of the published views it reads: a view can only
        be created once what it reads exists. -#}
    {%- set ids = views | map(attribute='id') | list -%}
    {%- set done = [] -%}
    {%- set ordered = [] -%}
    {%- for _ in views -%}
        {%- for view in views if view.id not in done -%}
            {%- set waiting = view.reads | select('in', ids) | reject('in', done) | list -%}
            {%- if not waiting -%}
                {%- do done.append(view.id) -%}
                {%- do ordered.append(view.sql) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if ordered | length != views | length -%}
        {{ exceptions.raise_compiler_error('publish: the published views read each other in a cycle') }}
    {%- endif -%}
    {{ return(ordered) }}
{% endmacro %}
