#!/usr/bin/env bash
# tools/refine.py on N processes with torchrun (mmdet's dist_test.sh manner):
#   bash tools/dist_refine.sh N IMAGES PREDICTIONS --out OUT [refine.py options]
# One process per GPU with --device cuda; gloo CPU processes otherwise.
# Several machines: NNODES, NODE_RANK and MASTER_ADDR as for torchrun;
# PORT (default 29500) sets the rendezvous port. docs/distributed.md.
set -euo pipefail
NPROC=$1
shift
exec python -m torch.distributed.run --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" --master_port="${PORT:-29500}" \
    "$(dirname "$0")/refine.py" "$@" --launcher pytorch
