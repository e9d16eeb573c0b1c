"""The test cluster itself: a real server on a Unix socket only, reachable by psql."""

from __future__ import annotations


def test_cluster_listens_on_a_unix_socket_only(pg_cluster):
    out = pg_cluster.psql("SHOW listen_addresses").stdout.strip()
    assert out == ""
    assert pg_cluster.psql("SELECT current_setting('server_version_num')::int >= 150000").stdout.strip() == "t"


def test_each_test_database_is_fresh_and_owned_by_the_owner_role(pg_cluster, pg_db):
    owner = pg_cluster.psql(f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{pg_db}'").stdout
    assert owner.strip() == "hsp_owner"
    schemas = pg_cluster.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'hsp'", db=pg_db).stdout
    assert schemas.strip() == "0"
