with

source as (
    select * from {{ source('onet', 'load_files') }}
),

renamed as (
    select
        load_id,
        file_name,
        table_name,
        sha256,
        bytes as file_bytes,
        row_count,
        data_checksum,
        present = 1 as is_present
    from source
)

select * from renamed
