#!/bin/sh
# gradcheck.sh — `optbench gradcheck` passes for every registered problem
# with its default options (the transformer at small sizes on the fixture
# corpus, on both tasks) and for mlp with each activation; a tensor above
# the tolerance exits 1, and unloadable data exits 2.
set -eu
names=$("$OPTBENCH" problems | sed -n 's/^\([a-z0-9_]*\) — .*/\1/p')
[ -n "$names" ] || { echo "no problems listed"; exit 1; }
small=layers=2,d_model=32,heads=4,context=16
for p in $names; do
    case $p in
    transformer) specs="transformer,corpus=tests/data/corpus.txt,$small transformer,task=modadd,$small" samples=8 ;;
    *) specs=$p samples=64 ;;
    esac
    for spec in $specs; do
        "$OPTBENCH" gradcheck --problem "$spec" --samples $samples || { echo "gradcheck $spec failed"; exit 1; }
    done
done
for a in relu gelu tanh; do
    "$OPTBENCH" gradcheck --problem "mlp,dataset=iris,hidden=[16],activation=$a" >/dev/null ||
        { echo "gradcheck mlp $a failed"; exit 1; }
done
set +e
"$OPTBENCH" gradcheck --problem logreg --tol 0 >/dev/null
[ $? -eq 1 ] || { echo "--tol 0 should fail with exit 1"; exit 1; }
"$OPTBENCH" gradcheck --problem logreg,dataset=csv:tests/data/not_number.csv 2>/dev/null
[ $? -eq 2 ] || { echo "bad data should exit 2"; exit 1; }
exit 0
