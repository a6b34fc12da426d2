# Splits a folder's model.safetensors into shards of at most max_bytes with model.safetensors.index.json, as
# transformers' save_pretrained does. Usage: shard.py <checkpoint> <out> <max_bytes>
import json, os, struct, sys
src, out, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
with open(os.path.join(src, "model.safetensors"), "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]; header = json.loads(f.read(n)); start = 8 + n
    tensors = [(k, v) for k, v in header.items() if k != "__metadata__"]
    groups, current, size = [], [], 0
    for k, v in tensors:
        s = v["data_offsets"][1] - v["data_offsets"][0]
        if current and size + s > max_bytes: groups.append(current); current, size = [], 0
        current.append((k, v)); size += s
    groups.append(current)
    weight_map = {}
    for i, group in enumerate(groups):
        name = f"model-{i+1:05d}-of-{len(groups):05d}.safetensors"
        h, offset = {"__metadata__": {"format": "pt"}}, 0
        for k, v in group:
            s = v["data_offsets"][1] - v["data_offsets"][0]
            h[k] = {"dtype": v["dtype"], "shape": v["shape"], "data_offsets": [offset, offset + s]}; offset += s
            weight_map[k] = name
        hb = json.dumps(h).encode(); hb += b" " * ((8 - len(hb) % 8) % 8)
        with open(os.path.join(out, name), "wb") as g:
            g.write(struct.pack("<Q", len(hb))); g.write(hb)
            for k, v in group:
                f.seek(start + v["data_offsets"][0]); g.write(f.read(v["data_offsets"][1] - v["data_offsets"][0]))
    json.dump({"metadata": {"total_size": sum(v["data_offsets"][1] - v["data_offsets"][0] for k, v in tensors)}, "weight_map": weight_map},
              open(os.path.join(out, "model.safetensors.index.json"), "w"), indent=2)
for f in ["config.json", "vocab.json", "merges.txt"]:
    open(os.path.join(out, f), "wb").write(open(os.path.join(src, f), "rb").read())
