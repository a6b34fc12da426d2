"""Writes a checkpoint in microsoft/deberta-v3-base's exact shape (184M parameters, its config.json settings) with random
weights and a random head for a task's classes, as pytorch_model.bin with the official implementation's names, to
check the loader at real scale against Microsoft's DeBERTa code (official_probabilities.py).

    /usr/bin/python3 tools/deberta-oracle/make_v3_base_shaped.py /tmp/DeBERTa <spm.model> data/tasks/genre/task.json scratch/deberta-v3-base-shaped

Any DeBERTa-v3 SentencePiece model with [PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3 serves as the tokenizer (for example one
trained as PromptDfd.Tests/Fixtures/deberta/README.md shows, with a larger vocab_size).
"""
import json
import os
import shutil
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, sys.argv[1])
from DeBERTa.deberta import DeBERTa, ContextPooler, PoolConfig  # noqa: E402
from DeBERTa.deberta.config import ModelConfig  # noqa: E402

SPM, TASK, OUT = sys.argv[2], sys.argv[3], sys.argv[4]
V3_BASE = {
    "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768,
    "initializer_range": 0.02, "intermediate_size": 3072, "max_position_embeddings": 512, "relative_attention": True,
    "position_buckets": 256, "norm_rel_ebd": "layer_norm", "share_att_key": True, "pos_att_type": "p2c|c2p",
    "layer_norm_eps": 1e-7, "max_relative_positions": -1, "position_biased_input": False, "num_attention_heads": 12,
    "num_hidden_layers": 12, "type_vocab_size": 0, "vocab_size": 128100,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    shutil.copy(SPM, os.path.join(OUT, "spm.model"))
    labels = json.load(open(TASK))["labels"]
    model_config = ModelConfig.from_dict(dict(V3_BASE))
    torch.manual_seed(5)
    encoder, pooler, classifier = DeBERTa(model_config), ContextPooler(PoolConfig(model_config)), torch.nn.Linear(768, len(labels))
    state = OrderedDict()
    with torch.no_grad():
        for prefix, module in (("deberta.", encoder), ("pooler.", pooler), ("classifier.", classifier)):
            for name, parameter in module.named_parameters():
                if "LayerNorm" not in name:
                    parameter.normal_(0, 0.05)
            for name, value in module.state_dict().items():
                state[prefix + name] = value
    torch.save(state, os.path.join(OUT, "pytorch_model.bin"))
    config = {"architectures": ["DebertaV2ForSequenceClassification"], "model_type": "deberta-v2", **V3_BASE,
              "id2label": {str(i): label for i, label in enumerate(labels)}}
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(f"{sum(v.numel() for v in state.values()):,} parameters -> {OUT}")


if __name__ == "__main__":
    main()
