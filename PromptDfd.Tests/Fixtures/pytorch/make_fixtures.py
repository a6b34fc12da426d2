"""Writes the torch.save fixtures of the pytorch_model.bin tests, each beside a safetensors file of the same values.

Run with Debian's PyTorch (apt-get install python3-torch; 1.13): /usr/bin/python3 make_fixtures.py <this folder>.
The safetensors files are written by hand here (8-byte header length, JSON header, raw little-endian values), so
the C# reader of torch.save files is checked against values that did not pass through it.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import torch

SAFETENSORS_TYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_TYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def tensor_zoo():
    """Every way a state dict lays out a tensor: each dtype, views of shared storages, offsets, strides, a Parameter."""
    g = torch.Generator().manual_seed(1)
    base = torch.randn(6, 5, generator=g)
    shared = torch.randn(4, 3, generator=g)
    state = OrderedDict()
    state["float32"] = torch.randn(3, 4, generator=g)
    state["float16"] = torch.randn(2, 3, generator=g).half()
    state["bfloat16"] = torch.randn(5, generator=g).bfloat16()
    state["float64"] = torch.randn(2, 2, generator=g).double()
    state["scalar"] = torch.tensor(-10000.0)
    state["empty"] = torch.zeros(0, 4)
    state["transposed"] = base.t()  # strides (1, 5): not row-major
    state["rows_2_to_5"] = base[2:5]  # a storage offset of 10 elements
    state["every_other_column"] = base[:, ::2]
    state["tied_a"] = shared
    state["tied_b"] = shared  # the same storage twice, as GPT-2's tied lm_head
    state["parameter"] = torch.nn.Parameter(torch.randn(3, generator=g))
    state["position_ids"] = torch.arange(7).unsqueeze(0)  # an integer buffer, skipped by the loaders
    return state


def bert_legacy():
    """BertForSequenceClassification in the shape of the tests' HuggingFaceFixtures.WriteBert (vocabulary 16, width 16,
    2 layers, 24 positions, 3 labels), named as the 2019 checkpoints are: LayerNorm gamma/beta, a position_ids
    buffer, the pre-training head's leftovers."""
    g = torch.Generator().manual_seed(5)
    width, ff, vocabulary, positions = 16, 32, 16, 24
    state = OrderedDict()

    def add(name, *shape):
        state[name] = torch.randn(*shape, generator=g) * 0.5

    add("bert.embeddings.word_embeddings.weight", vocabulary, width)
    add("bert.embeddings.position_embeddings.weight", positions, width)
    add("bert.embeddings.token_type_embeddings.weight", 2, width)
    add("bert.embeddings.LayerNorm.gamma", width)
    add("bert.embeddings.LayerNorm.beta", width)
    state["bert.embeddings.position_ids"] = torch.arange(positions).unsqueeze(0)
    for layer in range(2):
        p = f"bert.encoder.layer.{layer}."
        for m in ("query", "key", "value"):
            add(p + f"attention.self.{m}.weight", width, width)
            add(p + f"attention.self.{m}.bias", width)
        add(p + "attention.output.dense.weight", width, width)
        add(p + "attention.output.dense.bias", width)
        add(p + "attention.output.LayerNorm.gamma", width)
        add(p + "attention.output.LayerNorm.beta", width)
        add(p + "intermediate.dense.weight", ff, width)
        add(p + "intermediate.dense.bias", ff)
        add(p + "output.dense.weight", width, ff)
        add(p + "output.dense.bias", width)
        add(p + "output.LayerNorm.gamma", width)
        add(p + "output.LayerNorm.beta", width)
    add("bert.pooler.dense.weight", width, width)
    add("bert.pooler.dense.bias", width)
    add("classifier.weight", 3, width)
    add("classifier.bias", 3)
    add("cls.predictions.bias", vocabulary)
    return state


def gpt2_shards():
    """A GPT2Model (bare keys, Conv1D weights [in, out], float attn.bias masks) of width 16, 2 layers, 24 positions
    and a 300-token vocabulary, split into two shards with an index, as transformers shards pytorch_model.bin."""
    g = torch.Generator().manual_seed(3)
    width, positions, vocabulary = 16, 24, 300
    state = OrderedDict()

    def add(name, *shape):
        state[name] = torch.randn(*shape, generator=g) * 0.3

    add("wte.weight", vocabulary, width)
    add("wpe.weight", positions, width)
    for layer in range(2):
        p = f"h.{layer}."
        add(p + "ln_1.weight", width); add(p + "ln_1.bias", width)
        add(p + "attn.c_attn.weight", width, 3 * width); add(p + "attn.c_attn.bias", 3 * width)
        add(p + "attn.c_proj.weight", width, width); add(p + "attn.c_proj.bias", width)
        add(p + "ln_2.weight", width); add(p + "ln_2.bias", width)
        add(p + "mlp.c_fc.weight", width, 4 * width); add(p + "mlp.c_fc.bias", 4 * width)
        add(p + "mlp.c_proj.weight", 4 * width, width); add(p + "mlp.c_proj.bias", width)
        state[p + "attn.bias"] = torch.tril(torch.ones(positions, positions)).view(1, 1, positions, positions)
        state[p + "attn.masked_bias"] = torch.tensor(-10000.0)
    add("ln_f.weight", width); add("ln_f.bias", width)
    return state


def main(folder):
    zoo = tensor_zoo()
    torch.save(zoo, os.path.join(folder, "tensors-zip.bin"))
    torch.save(zoo, os.path.join(folder, "tensors-legacy.bin"), _use_new_zipfile_serialization=False)
    write_safetensors(os.path.join(folder, "tensors.safetensors"), {k: v for k, v in zoo.items()})

    # What a training script saves: the state dict under a key, beside the epoch and the optimizer.
    torch.save({"epoch": 3, "model": OrderedDict(weight=torch.ones(2))}, os.path.join(folder, "training-checkpoint.bin"))

    bert = bert_legacy()
    os.makedirs(os.path.join(folder, "bert-legacy"), exist_ok=True)
    torch.save(bert, os.path.join(folder, "bert-legacy", "pytorch_model.bin"), _use_new_zipfile_serialization=False)
    write_safetensors(os.path.join(folder, "bert-legacy", "reference.safetensors"), bert)

    gpt2 = gpt2_shards()
    os.makedirs(os.path.join(folder, "gpt2-sharded"), exist_ok=True)
    names = list(gpt2)
    halves = {"pytorch_model-00001-of-00002.bin": names[: len(names) // 2], "pytorch_model-00002-of-00002.bin": names[len(names) // 2:]}
    weight_map = {}
    for shard, keys in halves.items():
        torch.save(OrderedDict((k, gpt2[k]) for k in keys), os.path.join(folder, "gpt2-sharded", shard))
        weight_map.update({k: shard for k in keys})
    with open(os.path.join(folder, "gpt2-sharded", "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() * t.element_size() for t in gpt2.values())}, "weight_map": weight_map}, f, indent=2)
    write_safetensors(os.path.join(folder, "gpt2-sharded", "reference.safetensors"), gpt2)


if __name__ == "__main__":
    main(sys.argv[1])
