# Prints issue 14's figures from `make bench`'s output (bench.txt) beside
# their targets. A benchmark line is "BenchmarkName-P N value unit value
# unit ..."; repeated runs are averaged.
function metric(line, unit,    f, i) {
	n = split(line, f, /[ \t]+/)
	for (i = 3; i < n; i++) if (f[i+1] == unit) return f[i] + 0
	return ""
}
function add(key, v) { if (v != "") { sum[key] += v; cnt[key]++ } }
function avg(key) { return cnt[key] ? sum[key] / cnt[key] : "n/a" }
/^BenchmarkCallDirect-/ { add("direct", metric($0, "ns/op")) }
/^BenchmarkCallModule-/ { add("module", metric($0, "ns/op")); add("modallocs", metric($0, "allocs/op")) }
/^BenchmarkRemoteHop-/ { add("hop", metric($0, "unix/tcp")); add("unix", metric($0, "unix-ns/call")); add("tcp", metric($0, "tcp-ns/call")) }
/^BenchmarkLocal200Modules-/ {
	add("l_ready", metric($0, "s-to-ready")); add("l_failed", metric($0, "failed-calls"))
	add("l_calls", metric($0, "calls")); add("l_rss", metric($0, "engine-RSS-MB"))
}
/^BenchmarkKube1000Modules-/ {
	add("k_n", metric($0, "modules")); add("k_roll", metric($0, "s-rollout")); add("k_p99", metric($0, "API-p99-ms"))
	add("k_rss", metric($0, "engine-RSS-MB")); add("k_lists", metric($0, "steady-lists")); add("k_left", metric($0, "objects-left"))
	add("k_unload", metric($0, "s-unload"))
}
END {
	print "\nissue 14 figures (figure | target):"
	if (cnt["module"] && cnt["direct"])
		printf "  module-mode call minus direct call: %.0f ns (%.0f - %.0f), %s allocs | <= 60 ns, 0 allocs\n", avg("module") - avg("direct"), avg("module"), avg("direct"), avg("modallocs")
	if (cnt["hop"])
		printf "  remote call, local backend (unix) / bare net/http (tcp): %.2fx (%.0f / %.0f ns) | <= 0.8x\n", avg("hop"), avg("unix"), avg("tcp")
	if (cnt["l_failed"])
		printf "  200 local remote modules: READY in %.1f s, %d failed of %d calls while 50 switch, engine RSS %.0f MB | 0 failed\n", avg("l_ready"), avg("l_failed"), avg("l_calls"), avg("l_rss")
	if (cnt["k_n"])
		printf "  %d kube modules: READY in %.0f s, API p99 %.0f ms, engine RSS %.0f MB, %d lists in steady state, %d objects left after unload (%.0f s) | all READY, 0 lists, 0 left\n", avg("k_n"), avg("k_roll"), avg("k_p99"), avg("k_rss"), avg("k_lists"), avg("k_left"), avg("k_unload")
}
