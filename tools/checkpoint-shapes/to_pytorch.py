"""Copies a checkpoint folder with its weights re-saved by torch.save as pytorch_model.bin, the way checkpoints that
predate safetensors ship them. Needs Debian's PyTorch (apt-get install python3-torch).

    /usr/bin/python3 to_pytorch.py <source folder> <target folder> [zip|legacy]

zip is the format of PyTorch 1.6 and later; legacy the single stream of older releases (the 2019 BERT checkpoints).
"""
import json
import os
import shutil
import struct
import sys
from collections import OrderedDict

import torch

TYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        start = 8 + length
        state = OrderedDict()
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            begin, end = entry["data_offsets"]
            f.seek(start + begin)
            data = bytearray(f.read(end - begin))
            state[name] = torch.frombuffer(data, dtype=TYPES[entry["dtype"]]).reshape(entry["shape"]) if end > begin else torch.zeros(entry["shape"], dtype=TYPES[entry["dtype"]])
        return state


def main(source, target, form):
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        if name != "model.safetensors" and os.path.isfile(os.path.join(source, name)):
            shutil.copy(os.path.join(source, name), target)
    state = read_safetensors(os.path.join(source, "model.safetensors"))
    torch.save(state, os.path.join(target, "pytorch_model.bin"), _use_new_zipfile_serialization=(form == "zip"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "zip")
