# tablet_loan: the three commands of the README.
PYTHON ?= python3
DB ?= tablet_loan_demo
PORT ?= 8069
SHOTS_PORT ?= 8071
# make loadtest: Locust users, time limit (s), Odoo HTTP workers, size of the Département, HTTP port
USERS ?= 12
DURATION ?= 300
WORKERS ?= 5
SCALE ?= 0.05
LOADTEST_PORT ?= 8120

.PHONY: install test test-fast lint run demo-data screenshots bench check-install test-neighbours upgrade-test backup restore backup-test loadtest

install:  ## PostgreSQL reachable, Odoo 18 importable, Python dependencies, addon linked
	$(PYTHON) tools/odoo_env.py install

test:  ## fresh database, module installed with demo data, whole suite through pytest-odoo, database dropped
	$(PYTHON) tools/odoo_env.py test

test-fast:  ## as make test without the browser tours (tests/test_tour.py)
	$(PYTHON) tools/odoo_env.py test --fast

lint:  ## OCA's code checks (.pre-commit-config.yaml: pylint-odoo, ruff, XML/manifest/po checks) on every file
	$(PYTHON) -c "import pre_commit" 2>/dev/null || $(PYTHON) -m pip install -q "pre-commit>=3.5,<5"
	$(PYTHON) tools/lint.py

check-install:  ## make install in a fresh venv without Odoo, offline: exit 2 and what to do, in seconds
	$(PYTHON) tools/check_install_offline.py

test-neighbours:  ## post-install tests of maintenance, contacts, mail, account (subset) without and with the module
	$(PYTHON) tools/neighbours.py

run:  ## Odoo on http://127.0.0.1:$(PORT) with the demo database
	$(PYTHON) tools/odoo_env.py run --db $(DB) --port $(PORT)

demo-data:  ## regenerate the generated demo files (people, fleet)
	$(PYTHON) tools/gen_demo_people.py
	$(PYTHON) tools/gen_demo_fleet.py

screenshots:  ## PNGs of the main screens in docs/, from a fresh demo database served on $(SHOTS_PORT)
	$(PYTHON) -c "import playwright" 2>/dev/null || $(PYTHON) -m pip install -q "playwright>=1.40,<2"
	$(PYTHON) tools/screenshots.py --port $(SHOTS_PORT)

bench:  ## fresh database, a Département at scale, measured operations (table in build/bench.md)
	$(PYTHON) tools/bench.py

upgrade-test:  ## the release of migrations/FROM (or FROM=<commit>) installed and filled, upgraded to the working tree, checked
	$(PYTHON) tools/upgrade_test.py $(if $(FROM),--from $(FROM))

backup:  ## dump + filestore + manifest of $(DB) into build/backups/<db>-<stamp>/ (or OUT=<dir>)
	$(PYTHON) tools/backup.py backup --db $(DB) $(if $(OUT),--out $(OUT))

restore:  ## restore FROM=<backup dir> into a new DB=<name> and check it (FORCE=1 replaces an existing one)
	$(PYTHON) tools/backup.py restore --from $(FROM) --db $(DB) $(if $(FORCE),--force)

backup-test:  ## back up a fresh demo database (or DB=<name>), restore it into <db>_restored, compare counts and files
	$(PYTHON) tools/backup.py roundtrip $(if $(BACKUP_DB),--db $(BACKUP_DB))
loadtest:  ## scripted users of every role on a multi-process Odoo (Locust), then invariants (build/loadtest.md); REPLICA=1 reads on a replica
	$(PYTHON) tools/loadtest.py --users $(USERS) --duration $(DURATION) --workers $(WORKERS) --scale $(SCALE) \
		--port $(LOADTEST_PORT) $(if $(filter 1,$(REPLICA)),--replica)
