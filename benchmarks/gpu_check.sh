#!/usr/bin/env bash
# The GPU checks in one run, for a machine with CUDA (e.g. the `device` tool's H200): the CUDA tests, then
# benchmarks/speed.py on the GPU for R50 and the default model (eager fp32, optimized fp32, fp16 and bf16 with the
# per-frame step in a CUDA graph and the crop on the GPU; batch 1 and batch 256), the fp16/bf16 box agreement and
# each model's profile. Run from the repository root; needs torch with CUDA, numpy, opencv and pyyaml importable (the
# package need not be installed: src/ is put on the path). Then the training step's throughput under AMP
# (benchmarks/train_speed.py, both configs, frozen and unfrozen backbone). Writes to $OUT (else benchmarks/results):
#     gpu_tests.log, speed_cuda.json, speed_cuda.log, train_speed_cuda.json, train_speed_cuda.log
#     bash benchmarks/gpu_check.sh                          # about 5 minutes on an H100 / H200
#     SEQUENCES=some/sequences bash benchmarks/gpu_check.sh # real sequences for the agreement (default: ../shared)
set -uo pipefail
out=${OUT:-benchmarks/results}
mkdir -p "$out"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python3 -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print(torch.__version__, torch.cuda.get_device_name())' || exit 1
python3 -m pytest -q -o addopts="" -p no:cacheprovider --continue-on-collection-errors -m cuda -rs tests 2>&1 | tee "$out/gpu_tests.log"
python3 benchmarks/speed.py --device cuda --paths eager fp32 fp16 bf16 --batch 256 --frames 300 --warmup 5 \
    --iou-frames 100 --sequences "${SEQUENCES:-../shared/data/sequences}" --profile \
    --output "$out/speed_cuda.json" 2>&1 | tee "$out/speed_cuda.log"
python3 benchmarks/train_speed.py --device cuda --config siamban_r50_l234 siamban_lite0 --steps 20 --warmup 5 \
    --output "$out/train_speed_cuda.json" 2>&1 | tee "$out/train_speed_cuda.log"
