# `sam build` (infra/template.yaml's BuildMethod: makefile) copies the project to a scratch folder and
# runs this target there with ARTIFACTS_DIR set: the one build, from the locked dependencies up.
build-PodRoutesFunction:
	npm ci --no-audit --no-fund
	npm run build
	cp dist/pod-routes/index.mjs dist/pod-routes/index.mjs.map "$(ARTIFACTS_DIR)/"

.PHONY: build-PodRoutesFunction
