#!/bin/sh
# chainlint.sh [FILE...] - find broken && chains in the e2e tests' bodies.
# In the body of test_expect_success 'TITLE' '...', a command that is not the
# last must be joined to the next with && (or ||, |, a trailing \, or open a
# block: do, then, else, {, ( ...); else its failure is hidden and the test
# passes on the last command's status alone.  Inside a loop body the author
# checks each step (`|| exit 1`), so only the loop as a whole is checked;
# a job started with &, case patterns, the last command of an if/loop/{}
# block, `|| { ...; exit N; }` guards, helper definitions, `p=$!` and a
# command whose $? the next line tests are fine.  Multi-line "strings"
# (inline scripts) count as one line.  A job started with & right after an
# && line is flagged too: the & would background the whole chain.  Prints FILE:LINE and exits 1 on a find.
[ $# -gt 0 ] || set -- "$(dirname "$0")"/../e2e/*.sh
awk '
function quotes(s,   t) { t = s; gsub(/\\\\/, "", t); gsub(/\\"/, "", t); return gsub(/"/, "", t) }
function flush(   i, last, l) {
	last = 0
	for (i = 1; i <= n; i++) last = i
	for (i = 1; i <= last; i++) {
		l = body[i]
		if (l ~ /[^&]&$/ && i > 1 && body[i - 1] ~ /&&$/ && !inloop[i]) {
			printf "%s:%d: & puts the whole && chain before it in the background: %s\n", FILENAME, lineno[i], l
			bad = 1
		}
		if (i == last) break
		if (inloop[i] || incase[i]) continue
		if (l ~ /(&&|\|\||\||\\|\{|\(|;;)$/) continue
		if (l ~ /(^|[ \t;])(do|then|else|in)$/) continue
		if (l ~ /[^&]&$/) continue
		if (body[i + 1] ~ /^(fi|else|elif|done|esac|\}|\))([ \t;&|]|$)/) continue # last in its block
		if (l ~ /\|\|[ \t]*\{.*(exit|return)( [0-9]+)?;?[ \t]*\}$/) continue # a guard that ends the test
		if (l ~ /^[A-Za-z_][A-Za-z0-9_]*\(\)[ \t]*\{.*\}$/) continue # a helper defined in the body
		if (body[i + 1] ~ /^(test|\[) "?\$\?"? /) continue # the status is checked next
		if (l ~ /=\$!$/) continue # the pid of a job just started
		printf "%s:%d: broken && chain: %s\n", FILENAME, lineno[i], body[i]
		bad = 1
	}
	n = 0
}
FNR == 1 { if (inbody) flush(); inbody = 0; heredoc = ""; pending = "" }
{
	if (!inbody) {
		if ($0 ~ /^[ \t]*test_expect_success .*\047[ \t]+\047[ \t]*$/) { inbody = 1; n = 0; casedepth = 0; loopdepth = 0 }
		next
	}
	if (heredoc != "") { if ($0 ~ "^[ \t]*" heredoc "[ \t]*$") heredoc = ""; next }
	if (pending == "" && $0 ~ /^[ \t]*\047/) { flush(); inbody = 0; next }
	l = $0
	sub(/^[ \t]+/, "", l); sub(/[ \t]+$/, "", l)
	if (pending == "" && (l == "" || l ~ /^#/)) next
	if (pending != "") {
		pending = pending " " l
		if (quotes(l) % 2 == 0) next
		l = pending; pending = ""
	} else if (quotes(l) % 2 == 1) {
		pending = l; pstart = FNR; next
	} else pstart = FNR
	sub(/[ \t]+#[^\047"]*$/, "", l) # a trailing comment
	if (l ~ /^esac/) casedepth--
	if (l ~ /^done/) loopdepth--
	n++; body[n] = l; lineno[n] = pstart; incase[n] = casedepth > 0; inloop[n] = loopdepth > 0
	if (l ~ /^case .* in$/) casedepth++
	if (l ~ /(^|[ \t;])do$/) loopdepth++
	if (match(l, /<<-?[ \t]*[\\"\047]?[A-Za-z_]+/)) {
		h = substr(l, RSTART, RLENGTH); sub(/<<-?[ \t]*[\\"\047]?/, "", h); heredoc = h
	}
}
END { if (inbody) flush(); exit bad }
' "$@"
