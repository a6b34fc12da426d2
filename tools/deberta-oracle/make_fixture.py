"""Writes the DeBERTa-v2/v3 golden fixture: a tiny DebertaV2ForSequenceClassification (random weights, v3's settings,
position buckets small enough that a short text reaches the logarithmic ones), and the logits that Microsoft's own
DeBERTa implementation computes for it.

The reference implementation is not part of this repository. Bring it and run this script beside it:

    apt-get install -y python3-torch python3-sentencepiece python3-regex python3-tqdm python3-ujson python3-packaging
    git clone https://github.com/microsoft/DeBERTa /tmp/DeBERTa    # commit 4d7fe0b
    /usr/bin/python3 tools/deberta-oracle/make_fixture.py /tmp/DeBERTa PromptDfd.Tests/Fixtures/deberta

It needs the fixture's spm.model (see that folder's README) to turn the test texts into ids.
"""
import json
import os
import sys
from collections import OrderedDict

import torch

# The hand-written safetensors writer of the torch.save fixtures, so the values reach the file without our C# code.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "PromptDfd.Tests", "Fixtures", "pytorch"))
from make_fixtures import write_safetensors  # noqa: E402

sys.path.insert(0, sys.argv[1])
from DeBERTa.deberta import DeBERTa, ContextPooler, PoolConfig  # noqa: E402
from DeBERTa.deberta.config import ModelConfig  # noqa: E402
import sentencepiece as spm  # noqa: E402

OUT = sys.argv[2]
CONFIG = {
    "vocab_size": 402, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 64,
    "type_vocab_size": 0, "initializer_range": 0.02, "layer_norm_eps": 1e-7, "relative_attention": True,
    "max_relative_positions": -1, "position_buckets": 4, "norm_rel_ebd": "layer_norm", "share_att_key": True,
    "pos_att_type": "p2c|c2p", "position_biased_input": False, "pad_token_id": 0,
}
LABELS = ["negative", "positive"]
TEXTS = ["The food was terrible!", "It is a charming, funny and deeply moving film about two brothers."]


def main():
    config = ModelConfig.from_dict(dict(CONFIG))
    torch.manual_seed(17)
    encoder = DeBERTa(config)
    pooler = ContextPooler(PoolConfig(config))
    classifier = torch.nn.Linear(CONFIG["hidden_size"], len(LABELS))
    modules = {"deberta.": encoder, "pooler.": pooler, "classifier.": classifier}
    state = OrderedDict()
    with torch.no_grad():
        for prefix, module in modules.items():
            for name, parameter in module.named_parameters():
                # Values far from an initialisation, so every term of the attention shows in the logits.
                if "LayerNorm" in name and name.endswith("weight"):
                    parameter.copy_(1 + 0.3 * torch.randn_like(parameter))
                else:
                    parameter.copy_(0.5 * torch.randn_like(parameter))
                state[prefix + name] = parameter.detach().clone()
    for module in modules.values():
        module.eval()

    sp = spm.SentencePieceProcessor(model_file=os.path.join(OUT, "spm.model"))
    cases = []
    for text in TEXTS:
        ids = [1] + sp.encode(text) + [2]  # [CLS] ... [SEP]
        for pads in (0, 3):
            input_ids = torch.tensor([ids + [0] * pads])
            mask = torch.tensor([[1] * len(ids) + [0] * pads])
            with torch.no_grad():
                layers = encoder(input_ids, attention_mask=mask, output_all_encoded_layers=True)["hidden_states"]
                logits = classifier(pooler(layers[-1]))
            cases.append({"text": text, "ids": ids, "pads": pads, "logits": logits[0].tolist()})

    hf_config = {
        "architectures": ["DebertaV2ForSequenceClassification"], "model_type": "deberta-v2",
        **{k: v for k, v in CONFIG.items() if k != "initializer_range"},
        "pooler_hidden_size": CONFIG["hidden_size"], "pooler_hidden_act": "gelu", "pooler_dropout": 0,
        "pos_att_type": ["p2c", "c2p"],
        "id2label": {str(i): label for i, label in enumerate(LABELS)}, "label2id": {label: i for i, label in enumerate(LABELS)},
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(hf_config, f, indent=2)
    write_safetensors(os.path.join(OUT, "model.safetensors"), state)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(cases, f, indent=2)


if __name__ == "__main__":
    main()
