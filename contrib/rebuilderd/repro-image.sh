#!/bin/sh
# rebuilderd backend for images built from repro manifests.
#
# rebuilderd's worker downloads the published artifact(s) and the build input into one inputs/ directory,
# then runs its backend as `BACKEND INPUT` with REBUILDERD_OUTDIR set to an empty output directory. After
# the backend exits 0 it compares each published artifact byte for byte with the file of the same name in
# REBUILDERD_OUTDIR: identical is GOOD, different or missing is BAD (and it may run diffoscope); a backend
# that exits non-zero is a failed rebuild. This backend:
#   $1                 the repro manifest (the build input);
#   beside it          the published image (an OCI or docker archive): the one other file in $1's directory;
#   REBUILDERD_OUTDIR  gets the rebuilt image under the published image's file name, and the classified
#                      report of what differs: repro-report.json, repro-report.md, repro-report.html.
# The rebuild's verdict is rebuilderd's own byte comparison; repro adds the why, also printed to the build
# log rebuilderd keeps. It exits 0 when the image was rebuilt (reproducible or not), 1 when the build
# failed, 2 on bad input. REPRO (default: repro on PATH) names the command; when no published image lies
# beside the manifest, REPRO_ARTIFACT names the output file (default: the manifest's own, <name>.tar) and
# REPRO_REFERENCE the published image to compare with (docker://…, oci:DIR:TAG: what `repro diff` reads).
set -u

REPRO=${REPRO:-repro}
fail() { echo "repro-image.sh: $1" >&2; exit "${2:-2}"; }

[ $# -eq 1 ] || fail "usage: REBUILDERD_OUTDIR=DIR $0 MANIFEST"
manifest=$1
[ -f "$manifest" ] || fail "$manifest: no such manifest"
out=${REBUILDERD_OUTDIR:-}
[ -n "$out" ] && [ -d "$out" ] || fail "REBUILDERD_OUTDIR is not set to a directory"

# the published image: the other file rebuilderd downloaded next to the input
inputs=$(dirname "$manifest")
published=
for f in "$inputs"/* "$inputs"/.[!.]*; do
  [ -f "$f" ] || continue
  [ "$f" = "$manifest" ] && continue
  [ -z "$published" ] || fail "more than one published artifact beside $manifest ($published, $f): one image per rebuild"
  published=$f
done

against=${published:-${REPRO_REFERENCE:-}}
if [ -n "$published" ] || [ -n "${REPRO_ARTIFACT:-}" ]; then
  if [ -n "$published" ]; then name=$(basename "$published"); else name=$REPRO_ARTIFACT; fi
  case $name in */* | . | ..) fail "artifact name \"$name\" is not a file name" ;; esac
  echo "repro-image.sh: rebuilding $manifest as $out/$name"
  "$REPRO" build "$manifest" -o "$out/$name" || fail "the rebuild of $manifest failed" 1
else
  # the manifest's own output name (<name>.tar), written in the empty output directory
  case $manifest in /*) abs=$manifest ;; *) abs=$PWD/$manifest ;; esac
  echo "repro-image.sh: rebuilding $manifest in $out"
  (cd "$out" && "$REPRO" build "$abs") || fail "the rebuild of $manifest failed" 1
  name=$(ls -A "$out" | head -n 1)
fi

if [ -n "$against" ]; then
  # the published image against the rebuild: each difference classified, with the rules that would remove it
  # (`repro verify` would rebuild once more; the rebuild is already here)
  "$REPRO" diff "$against" "$out/$name" --json "$out/repro-report.json" --markdown "$out/repro-report.md" --html "$out/repro-report.html" -q
  status=$?
  case $status in
    0) echo "repro-image.sh: the rebuild is identical to $against" ;;
    1) echo "repro-image.sh: the rebuild differs from $against:"; cat "$out/repro-report.md" ;;
    *) echo "repro-image.sh: warning: could not compare with $against (repro diff exit $status); the rebuilt image is in place" >&2 ;;
  esac
else
  echo "repro-image.sh: no published image beside $manifest nor REPRO_REFERENCE: rebuilt only"
fi
exit 0
