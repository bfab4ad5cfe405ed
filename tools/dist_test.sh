#!/usr/bin/env bash
# tools/test.py on N processes with torchrun (mmdet's dist_test.sh manner):
#   bash tools/dist_test.sh CONFIG CHECKPOINT N --dataset D --data-root R ...
# One process per GPU with --device cuda; gloo CPU processes otherwise.
# Several machines: NNODES, NODE_RANK and MASTER_ADDR as for torchrun;
# PORT (default 29500) sets the rendezvous port. docs/distributed.md.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
exec python -m torch.distributed.run --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" --master_port="${PORT:-29500}" \
    "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" "$@" --launcher pytorch
