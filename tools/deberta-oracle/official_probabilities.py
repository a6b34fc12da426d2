"""Class probabilities of a DeBERTa-v2/v3 checkpoint (config.json, pytorch_model.bin, spm.model) computed by Microsoft's
own implementation, one JSON line per text of a task split, in the format of `promptdfd evaluate --predictions`.
Texts are [CLS] + their pieces + [SEP], cut to 512 tokens; an optional last argument reads only the first N texts.

    /usr/bin/python3 tools/deberta-oracle/official_probabilities.py /tmp/DeBERTa <checkpoint> data/tasks/genre/test.jsonl <out.jsonl> [N]
"""
import json
import sys

import torch

sys.path.insert(0, sys.argv[1])
from DeBERTa.deberta import DeBERTa, ContextPooler, PoolConfig  # noqa: E402
from DeBERTa.deberta.config import ModelConfig  # noqa: E402
import sentencepiece as spm  # noqa: E402

FOLDER, SPLIT, OUT = sys.argv[2], sys.argv[3], sys.argv[4]
LIMIT = int(sys.argv[5]) if len(sys.argv) > 5 else None


def main():
    config = json.load(open(f"{FOLDER}/config.json"))
    settings = {k: v for k, v in config.items() if k not in ("id2label", "label2id", "architectures", "promptdfd")}
    if isinstance(settings.get("pos_att_type"), list):
        settings["pos_att_type"] = "|".join(settings["pos_att_type"])
    model_config = ModelConfig.from_dict(settings)
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    encoder, pooler = DeBERTa(model_config), ContextPooler(PoolConfig(model_config))
    classifier = torch.nn.Linear(config["hidden_size"], len(labels))
    state = torch.load(f"{FOLDER}/pytorch_model.bin")
    for prefix, module in (("deberta.", encoder), ("pooler.", pooler), ("classifier.", classifier)):
        module.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})
        module.eval()
    pieces = spm.SentencePieceProcessor(model_file=f"{FOLDER}/spm.model")
    with open(OUT, "w") as out, torch.no_grad():
        for line in list(open(SPLIT))[:LIMIT]:
            example = json.loads(line)
            ids = [1] + pieces.encode(example["text"])[:510] + [2]
            x = torch.tensor([ids])
            hidden = encoder(x, attention_mask=torch.ones_like(x))["hidden_states"][-1]
            probabilities = torch.softmax(classifier(pooler(hidden))[0], -1).tolist()
            out.write(json.dumps({"text": example["text"], "label": example["label"], "tokens": len(ids),
                                  "probabilities": dict(zip(labels, probabilities))}) + "\n")


if __name__ == "__main__":
    main()
