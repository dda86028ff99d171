#!/bin/sh
# summary.sh - medians and ratios from raw.csv: results.md, results.csv, results.json
#   summary.sh RAW.csv OUTDIR MACHINE DATE QUICK REPS
# Within each metric the first target seen is the baseline (native, raw-snapshot, runc,
# icc, ...); ratio = median(target) / median(baseline), for times and for rates alike
# (the "better" column says which way is good).
RAW=$1 OUT=$2 MACHINE=$3 DATE=$4 QUICK=$5 REPS=$6
awk -F, -v out="$OUT" -v machine="$MACHINE" -v date="$DATE" -v quick="$QUICK" -v reps="$REPS" '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
	if (n % 2) return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v, unit) {
	if (unit == "s") {
		if (v < 0.0001) return sprintf("%.1f µs", v * 1000000)
		if (v < 0.01) return sprintf("%.2f ms", v * 1000)
		if (v < 1) return sprintf("%.1f ms", v * 1000)
		return sprintf("%.2f s", v)
	}
	if (unit == "IOPS") return sprintf("%.0f IOPS", v)
	return sprintf("%.1f %s", v, unit)
}
function rank(t) { return index(" native raw-snapshot runc runc-iccspec crun-iccspec iccfs iccfs-nouring iccfs-nopt icc-save icc icc-runc fuse-overlayfs podman buildah ", " " t " ") }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
NR == 1 { next }
{
	key = $1 SUBSEP $2
	if (!(key in seen)) { seen[key] = 1; order[++nk] = key; grp[key] = $1; met[key] = $2; unit[key] = $6; better[key] = $7 }
	tk = key SUBSEP $3
	if (!(tk in vals)) { ntg[key]++; tg[key, ntg[key]] = $3; vals[tk] = $5; cnt[tk] = 1 }
	else { vals[tk] = vals[tk] " " $5; cnt[tk]++ }
	if (!($1 SUBSEP $3 in gtseen)) {
		# columns in a fixed order: baselines first, then icc, then the peers
		gtseen[$1 SUBSEP $3] = 1; n = ++ngt[$1]; gt[$1, n] = $3
		while (n > 1 && rank($3) < rank(gt[$1, n - 1])) { gt[$1, n] = gt[$1, n - 1]; gt[$1, n - 1] = $3; n-- }
	}
	if (!($1 in gseen)) { gseen[$1] = 1; gorder[++ng] = $1 }
}
END {
	md = out "/results.md"; cs = out "/results.csv"; js = out "/results.json"
	print "group,metric,unit,better,target,median,n,baseline,ratio" > cs
	printf "{\n  \"machine\": %s,\n  \"date\": %s,\n  \"quick\": %s,\n  \"reps\": %d,\n  \"results\": [", jstr(machine), jstr(date), (quick == 1 ? "true" : "false"), reps > js
	printf "# icc benchmark, %s\n\n%s%s\n", date, machine, (quick == 1 ? " (BENCH_QUICK=1)" : "") > md
	first = 1
	for (g = 1; g <= ng; g++) {
		G = gorder[g]
		printf "\n### %s\n\n| metric | better |", G > md
		for (k = 1; k <= ngt[G]; k++) printf " %s |", gt[G, k] > md
		printf "\n|---|---|" > md
		for (k = 1; k <= ngt[G]; k++) printf "---|" > md
		printf "\n" > md
		for (i = 1; i <= nk; i++) {
			key = order[i]
			if (grp[key] != G) continue
			base = tg[key, 1]; bm = median(vals[key SUBSEP base])
			printf "| %s | %s |", met[key], better[key] > md
			for (k = 1; k <= ngt[G]; k++) {
				t = gt[G, k]; tk = key SUBSEP t
				if (!(tk in vals)) { printf " — |" > md; continue }
				m = median(vals[tk]); r = (bm > 0 ? m / bm : 0)
				if (t == base) printf " %s |", fmt(m, unit[key]) > md
				else printf " %s (%.2f×) |", fmt(m, unit[key]), r > md
				printf "%s,%s,%s,%s,%s,%.6g,%d,%s,%.4f\n", G, met[key], unit[key], better[key], t, m, cnt[tk], base, r > cs
				printf "%s\n    {\"group\": %s, \"metric\": %s, \"unit\": %s, \"better\": %s, \"target\": %s, \"median\": %.6g, \"n\": %d, \"baseline\": %s, \"ratio\": %.4f}", (first ? "" : ","), jstr(G), jstr(met[key]), jstr(unit[key]), jstr(better[key]), jstr(t), m, cnt[tk], jstr(base), r > js
				first = 0
			}
			printf "\n" > md
		}
	}
	printf "\n  ]\n}\n" > js
	printf "\nRatios (in parentheses) are median(target) / median(the first filled column of the row). Samples per cell: see results.csv (n).\n" > md
}' "$RAW"
