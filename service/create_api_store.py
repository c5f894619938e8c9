"""`python -m service.create_api_store`: create `<db>_api`, O*NET Web Services' store, if it is
missing (MYSQL_* settings). Run it before `dbt build`: the gap views read the store live only when
it exists as they are built; a build made without it reads none of it until the next build."""

from __future__ import annotations

from service.config import ServiceConfig
from service.onet_ws.store import OnetApiStore


def main() -> int:
    config = ServiceConfig.from_env()
    store = OnetApiStore(config, config.onet_api)
    store.ensure()
    store.engine.dispose()
    print(f"create_api_store: `{store.database}` is ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
