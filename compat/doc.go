// Package compat holds no code: its tests replay JSORC's own API tests
// (jaseci_serv's test_jsorc_api_kube.py and test_jsorc_api.py) and the
// patterns of the scripts JSORC's users wrote, against a real `jsorc
// serve`, over HTTP with the engine's token in JSORC's header form, with
// JSORC's request bodies (op, do_check and all) and JSORC's assertions.
// They run on the local backend, and on a real Kubernetes control plane
// when JSORC_TEST_KUBECONFIG names one.
//
// Where JSORC's test used what jsorc names differently, the translation is
// stated beside it: a walker is an app (sentinel_register is app_config,
// walker_run is app_run), and jsorc_actions_config takes the text of the
// ACTION_CONFIGS that JSORC imported from a Python module
// (examples/jaseci_action_server/action_configs.json).
package compat
