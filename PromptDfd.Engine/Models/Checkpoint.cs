using System.Text.Json;
using System.Text.Json.Nodes;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Engine.Models.Formats;
using PromptDfd.Engine.Models.Formats.PyTorch;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Models;

/// <summary>What a checkpoint folder holds, once loaded.</summary>
public sealed record LoadedLanguageModel(GptLanguageModel Model, ITextTokenizer Tokenizer, string Folder, string WeightsSha256);

public sealed record LoadedClassifier(nn.Module Module, ITextClassifier Classifier, ITextTokenizer Tokenizer,
    IReadOnlyList<string> Labels, string Folder, string WeightsSha256, JsonObject Config);

/// <summary>
/// A checkpoint is a Hugging Face-style folder: config.json, model.safetensors, tokenizer files and card.md.
/// Our GPT checkpoints use GPT-2's exact layout (GPT2LMHeadModel / GPT2ForSequenceClassification) and our encoder
/// classifiers BERT's (BertForSequenceClassification), so the same loaders read Hugging Face downloads (DistilBERT's, RoBERTa's and
/// ELECTRA's too).
/// Our own training settings travel in config.json under "promptdfd".
/// </summary>
public static class Checkpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    /// <summary>How transformers names the map of a checkpoint saved in several safetensors shards.</summary>
    public const string ShardIndexFile = "model.safetensors.index.json";
    /// <summary>torch.save's state dict, as older Hugging Face checkpoints ship their weights; safetensors wins when both are
    /// present.</summary>
    public const string PyTorchWeightsFile = "pytorch_model.bin";
    public const string PyTorchShardIndexFile = "pytorch_model.bin.index.json";
    public const string CardFile = "card.md";
    public const string OwnSection = "promptdfd";

    private const string PoolingKey = "pooling";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <param name="half">store weights as float16: half the size, for shipped inference-only weights</param>
    public static void SaveLanguageModel(string folder, GptLanguageModel model, string tokenizerFolder, ModelCard card,
        JsonObject? training = null, bool half = false)
    {
        JsonObject config = model.Config.ToHuggingFace("GPT2LMHeadModel");
        config[OwnSection] = new JsonObject { ["kind"] = "language-model", ["training"] = training };
        Save(folder, model, WeightLayout.Gpt2, config, tokenizerFolder, card, half);
    }

    public static void SaveClassifier(string folder, nn.Module classifier, IReadOnlyList<string> labels, string tokenizerFolder,
        ModelCard card, JsonObject? training = null, bool half = false)
    {
        (JsonObject config, WeightLayout layout) = classifier switch
        {
            GptClassifier gpt => (gpt.Config.ToHuggingFace("GPT2ForSequenceClassification"), WeightLayout.Gpt2),
            BertClassifier bert => (bert.Config.ToHuggingFace(), WeightLayout.Encoder(bert.Config, allowNewHead: false)),
            _ => throw new ArgumentException($"Cannot save a {classifier.GetType().Name} as a classifier checkpoint."),
        };
        config["num_labels"] = labels.Count;
        config["id2label"] = new JsonObject(labels.Select((l, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)l)));
        config["label2id"] = new JsonObject(labels.Select((l, i) => KeyValuePair.Create(l, (JsonNode?)i)));
        config[OwnSection] = new JsonObject { ["kind"] = "classifier", ["training"] = training };
        if (classifier is GptClassifier { Pooling: not ClassifierPooling.LastToken } pooled) config[OwnSection]![PoolingKey] =
            pooled.Pooling.Name();
        Save(folder, classifier, layout, config, tokenizerFolder, card, half);
    }

    public static LoadedLanguageModel LoadLanguageModel(string folder, Device? device = null)
    {
        JsonObject config = ReadConfig(folder);
        string configPath = Path.Combine(folder, ConfigFile);
        GptConfig gpt = GptConfig.FromHuggingFace(config, configPath);
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder);
        CheckVocabulary(tokenizer, gpt.VocabularySize, folder);
        var model = new GptLanguageModel(gpt);
        var weights = CheckpointWeights.Of(folder);
        ModelWeights.Load(model, WeightLayout.Gpt2, weights);
        model.eval();
        if (device is not null) model.to(device);
        return new LoadedLanguageModel(model, tokenizer, folder, weights.Sha256());
    }

    /// <param name="newHeadLabels">for an encoder checkpoint without a classification head (e.g. a BERT base model):
    /// the labels of a freshly initialised head; null requires the checkpoint to have its head</param>
    public static LoadedClassifier LoadClassifier(string folder, Device? device = null, IReadOnlyList<string>? newHeadLabels = null)
    {
        JsonObject config = ReadConfig(folder);
        string configPath = Path.Combine(folder, ConfigFile);
        IReadOnlyList<string> labels = ReadLabels(config, configPath) ?? newHeadLabels
            ?? throw new InvalidDataException($"'{configPath}' has no id2label; a classifier checkpoint must name its classes.");
        if (labels.Count < 2) throw new InvalidDataException($"'{configPath}' names {labels.Count} class(es); a classifier needs at " +
            $"least 2.");
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder);
        var weights = CheckpointWeights.Of(folder);
        string modelType = config["model_type"]?.GetValue<string>() ?? "";
        nn.Module module;
        ITextClassifier classifier;
        if (modelType == "gpt2")
        {
            var gpt = new GptClassifier(GptConfig.FromHuggingFace(config, configPath), labels.Count, ReadPooling(config, configPath));
            CheckVocabulary(tokenizer, gpt.Config.VocabularySize, folder);
            ModelWeights.Load(gpt, WeightLayout.Gpt2, weights);
            (module, classifier) = (gpt, gpt);
        }
        else if (BertConfig.IsEncoder(config))
        {
            var bert = new BertClassifier(BertConfig.FromHuggingFace(config, configPath), labels.Count);
            CheckVocabulary(tokenizer, bert.Config.VocabularySize, folder);
            ModelWeights.Load(bert, WeightLayout.Encoder(bert.Config, allowNewHead: newHeadLabels is not null), weights);
            (module, classifier) = (bert, bert);
        }
        else
        {
            throw new InvalidDataException($"'{configPath}' has model_type '{modelType}'; classifiers must be in one of these layouts: " +
                string.Join(", ", BertConfig.ModelTypes.Prepend("gpt2").Select(type => $"'{type}'")) + ".");
        }
        module.eval();
        if (device is not null) module.to(device);
        return new LoadedClassifier(module, classifier, tokenizer, labels, folder, weights.Sha256(), config);
    }

    /// <summary>Our GPT classifiers may pool by mean (under "promptdfd"); Hugging Face's always use the last token.</summary>
    private static ClassifierPooling ReadPooling(JsonObject config, string configPath)
    {
        string? name = config[OwnSection]?[PoolingKey]?.GetValue<string>();
        try
        {
            return name is null ? ClassifierPooling.LastToken : ClassifierPoolingNames.Parse(name,
            $"{OwnSection}.{PoolingKey} in '{configPath}'");
        }
        catch (ArgumentException error) { throw new InvalidDataException(error.Message, error); }
    }

    /// <summary>Rewrites a checkpoint's weights in float16 (or back to float32), updating the weights hash in its card.</summary>
    /// <param name="command">the command that converts, recorded in the card's Reproduce section when given</param>
    public static void ConvertPrecision(string folder, bool half, string? command = null)
    {
        JsonObject config = ReadConfig(folder);
        var weights = CheckpointWeights.Of(folder);
        string oldHash = weights.Sha256();
        var arrays = weights.Read();
        var staged = new StagedFiles(folder);
        // A sharded checkpoint comes out as one model.safetensors: converting is also how shards are merged. torch.save
        // files stay (safetensors is read first from then on): they are the user's download, not our output.
        if (weights.IsSharded
            && !weights.IsPyTorch) foreach (string file in weights.Files.Append(weights.Source)) staged.Remove(Path.GetFileName(file));
        string newWeights = staged.PathFor(WeightsFile);
        SafeTensorsFile.Write(newWeights, arrays.Values, new Dictionary<string, string> { ["format"] = "pt" }, half);
        string newHash = FileHash.Sha256(newWeights);
        string card = Path.Combine(folder, CardFile);
        if (File.Exists(card))
        {
            string markdown = File.ReadAllText(card).Replace(oldHash, newHash, StringComparison.Ordinal);
            File.WriteAllText(staged.PathFor(CardFile), command is null ? markdown : ModelCard.RecordConversion(markdown, command, half));
        }
        config[OwnSection] ??= new JsonObject();
        config[OwnSection]!["weights_dtype"] = half ? "F16" : "F32";
        File.WriteAllText(staged.PathFor(ConfigFile), config.ToJsonString(Indented));
        staged.Commit();
    }

    public static JsonObject ReadConfig(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Checkpoint folder '{folder}' does not exist.");
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint folder '{folder}' has no {ConfigFile}.", path);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                   ?? throw new InvalidDataException($"'{path}' is not a JSON object.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {error.Message}", error);
        }
    }

    /// <summary>
    /// Saving over an existing checkpoint (retraining a teacher, a new prior, a precision change) must not lose it if
    /// the process dies or the disk fills while the weights are written: every file goes to "name.incoming" first, and
    /// the renames, which are quick and atomic each, come after all the writing. Unlike <see cref="AtomicFolder"/>, which
    /// swaps a whole folder, this keeps whatever else the folder holds (pretrain's resume/ lives beside the model).
    /// </summary>
    private sealed class StagedFiles(string folder)
    {
        public const string Suffix = ".incoming";
        private readonly List<string> files = [];
        private readonly List<string> stale = [];

        public string PathFor(string file)
        {
            files.Add(file);
            return Path.Combine(folder, file + Suffix);
        }

        /// <summary>A file of the folder's previous model that the new one does not have; removed on commit.</summary>
        public void Remove(string file) => stale.Add(file);

        public void Commit()
        {
            foreach (string file in files) File.Move(Path.Combine(folder, file + Suffix), Path.Combine(folder, file), overwrite: true);
            foreach (string file in stale) File.Delete(Path.Combine(folder, file));
        }
    }

    private static void Save(string folder, nn.Module module, WeightLayout layout, JsonObject config, string tokenizerFolder,
        ModelCard card, bool half)
    {
        Directory.CreateDirectory(folder);
        config[OwnSection] ??= new JsonObject();
        config[OwnSection]!["weights_dtype"] = half ? "F16" : "F32";
        if (layout == WeightLayout.Gpt2) NameSpecialTokens(config, tokenizerFolder);
        var staged = new StagedFiles(folder);
        foreach (string file in TokenizerFactory.Files)
        {
            string source = Path.Combine(tokenizerFolder, file);
            if (Path.GetFullPath(source) == Path.GetFullPath(Path.Combine(folder, file))) continue;
            if (File.Exists(source)) File.Copy(source, staged.PathFor(file), overwrite: true);
            // A BERT saved over a GPT teacher (or back) must not leave the old tokenizer behind: the folder would read as the old one's.
            else staged.Remove(file);
        }
        string weights = staged.PathFor(WeightsFile);
        ModelWeights.Save(module, layout, weights, new Dictionary<string, string> { ["format"] = "pt" }, half);
        File.WriteAllText(staged.PathFor(ConfigFile), config.ToJsonString(Indented));
        var withHash = card with { Hashes = [.. card.Hashes, (WeightsFile, FileHash.Sha256(weights))] };
        File.WriteAllText(staged.PathFor(CardFile), withHash.ToMarkdown());
        staged.Commit();
    }

    /// <summary>
    /// Hugging Face's GPT2ForSequenceClassification finds each text's last token by its padding id and refuses batches
    /// without one; naming the special ids lets a student or teacher exported from here be used there as it is.
    /// </summary>
    private static void NameSpecialTokens(JsonObject config, string tokenizerFolder)
    {
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(tokenizerFolder);
        if (tokenizer.Opening.Count > 0) return; // a tokenizer that wraps texts ([CLS], <s>) is not GPT-2's
        config["bos_token_id"] = tokenizer.EndOfTextId;
        config["eos_token_id"] = tokenizer.EndOfTextId;
        config["pad_token_id"] = tokenizer.PaddingId;
    }

    /// <summary>The SHA-256 of a checkpoint's weights file (or shards), without loading it.</summary>
    public static string WeightsSha256(string folder) => CheckpointWeights.Of(folder).Sha256();

    /// <summary>The classes a classifier checkpoint names in its config.json (id2label), without loading its weights.</summary>
    public static IReadOnlyList<string>? ClassifierLabels(string folder) =>
        ReadLabels(ReadConfig(folder), Path.Combine(folder, ConfigFile));

    /// <summary>id2label as a list in class order; a hand-edited one that skips or repeats an index is refused, not misread.</summary>
    private static IReadOnlyList<string>? ReadLabels(JsonObject config, string configPath)
    {
        if (config["id2label"] is not JsonObject id2label || id2label.Count == 0) return null;
        var labels = new string[id2label.Count];
        foreach (var (key, value) in id2label)
        {
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                || index >= labels.Length)
                throw new InvalidDataException($"'{configPath}': id2label must map the class indices 0 to {labels.Length - 1} to class " +
                    $"names; '{key}' is not one of those indices.");
            labels[index] = value is JsonValue name && name.TryGetValue(out string? text) && text.Length > 0
                ? text
                : throw new InvalidDataException($"'{configPath}': id2label[\"{key}\"] must be a class name (a non-empty string).");
        }
        return labels;
    }

    private static void CheckVocabulary(ITextTokenizer tokenizer, int modelVocabulary, string folder)
    {
        if (tokenizer.VocabularySize > modelVocabulary)
        {
            throw new InvalidDataException(
                $"Checkpoint '{folder}': the tokenizer has {tokenizer.VocabularySize} tokens but the model's embedding has only " +
                $"{modelVocabulary} rows. The tokenizer files belong to a different model.");
        }
    }
}
