#!/bin/bash
# One role and one database per owner: `shop` for the monolith, `users`,
# `orders` and `payments` for the services. The postgres image runs this once,
# on an empty data directory (it is mounted into /docker-entrypoint-initdb.d by
# docker-compose.yml and by k8s/stores/postgres.yaml). The passwords come from
# the environment so that they are never written here.
set -eo pipefail

create_owned_database() {
    psql --no-psqlrc --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        --set name="$1" --set password="$2" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_owned_database shop "${SHOP_DB_PASSWORD:?SHOP_DB_PASSWORD is not set}"
create_owned_database users "${USERS_DB_PASSWORD:?USERS_DB_PASSWORD is not set}"
create_owned_database orders "${ORDERS_DB_PASSWORD:?ORDERS_DB_PASSWORD is not set}"
create_owned_database payments "${PAYMENTS_DB_PASSWORD:?PAYMENTS_DB_PASSWORD is not set}"
