"""The parts of `make chaos` (scripts/chaos.py is the entry point the Makefile runs).

common             paths, settings from the environment, small shared helpers, Outcome
private_postgres   the private PostgreSQL cluster: initdb, start, stop, delete
private_redis      the private Redis: start, stop
harness            the site on top of them: gunicorn, Celery workers, manage.py, look-ups,
                   signing in, set-up and clean-up
load               load generation with wrk
probes             client threads that ask for one URL again and again (scenario 2)
import_jobs        uploading, confirming and waiting for imports (scenarios 3 and 4)
scenario_load      1. national-scale data under load
scenario_postgres  2. PostgreSQL stopped under load and started again
scenario_redis     3. Redis stopped
scenario_worker    4. a Celery worker killed in the middle of an import
report             var/chaos/latest.md
"""
