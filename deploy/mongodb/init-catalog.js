// The catalog service's own MongoDB user, allowed only its own database. The
// mongo image runs this once, on an empty data directory, as the root user (it
// is mounted into /docker-entrypoint-initdb.d by docker-compose.yml and by
// k8s/stores/mongodb.yaml). The password comes from the environment.
const password = process.env.CATALOG_DB_PASSWORD;
if (!password) {
  throw new Error("CATALOG_DB_PASSWORD is not set");
}
db.getSiblingDB("catalog").createUser({
  user: "catalog",
  pwd: password,
  roles: [{ role: "readWrite", db: "catalog" }],
});
