import pytest


def test_healthz_answers_without_touching_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.worker
def test_readyz_is_ok_when_database_redis_and_a_worker_answer(client, celery_worker):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["celery"].startswith("ok (")


@pytest.mark.django_db
def test_readyz_names_the_dependency_that_is_down(client, settings):
    # Port 1 on loopback: nothing listens there, so the connection is refused for real.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"].startswith("error: ConnectionError")
    assert body["checks"]["database"] == "ok"


def test_health_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
