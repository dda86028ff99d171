#!/bin/bash
# t130-crash.sh - kill -9 at each step of making and removing images: the
# store never shows a half-made object, check finds the leftovers, repair fixes them
. "$(dirname "$0")/../lib.sh"
setup_store
make_image busybox
tar -C "$T/rootfs.$$" -cf "$T/base.tar" .

for point in import-after-extract publish-before-meta publish-before-rename image-before-tag; do
	test_expect_success "import killed at $point" "
		n=\$(ls '$ICC_ROOT/images' | wc -l) &&
		ICC_FAULT=$point icc import '$T/base.tar' crash:$point; test \$? = 137 &&
		# never a visible image without metadata, never a tag naming nothing
		for d in '$ICC_ROOT'/images/*; do test -f \"\$d/meta.json\" || exit 1; done &&
		test_must_fail icc inspect crash:$point &&
		icc system check --repair >out &&
		icc system check | grep -q 'is consistent' &&
		test -z \"\$(ls -A '$ICC_ROOT/tmp')\" &&
		icc inspect busybox >/dev/null &&
		icc import '$T/base.tar' crash:$point >/dev/null && icc inspect crash:$point >/dev/null
	"
done

test_expect_success 'rmi killed after the rename leaves no image and repairs clean' '
	icc import "$T/base.tar" doomed:1 >/dev/null &&
	ICC_FAULT=remove-after-rename icc rmi doomed:1; test $? = 137 &&
	test_must_fail icc inspect doomed:1 &&
	test_must_fail icc system check >out && grep -q "tmp/rm-" out &&
	icc system check --repair >/dev/null &&
	icc system check | grep -q "is consistent"
'

test_expect_success 'init killed before publishing leaves nothing visible' '
	n=$(icc images -q | wc -l) &&
	ICC_FAULT=publish-before-rename icc init "$T/rootfs.$$" half:1; test $? = 137 &&
	test "$(icc images -q | wc -l)" = "$n" &&
	icc system check --repair >/dev/null && icc system check | grep -q "is consistent"
'

test_done
