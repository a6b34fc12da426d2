using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptDfd.Engine.Text;

/// <summary>
/// Reads a Hugging Face tokenizer.json (the `tokenizers` library's one-file format), which some checkpoints ship without
/// vocab.txt or vocab.json + merges.txt. Its model must be a WordPiece (BERT, DistilBERT, ELECTRA) or a byte-level BPE
/// (GPT-2, RoBERTa); the same tokenizers are then built as from those files.
/// </summary>
public static class FastTokenizerJson
{
    public static ITextTokenizer Read(string path, string folder)
    {
        JsonObject root = Parse(path);
        JsonObject model = root["model"] as JsonObject
            ?? throw new InvalidDataException($"'{path}' has no \"model\" object; a tokenizer.json names its model (WordPiece, BPE, ...) " +
                $"there.");
        string type = model["type"]?.GetValue<string>() ?? "";
        return type switch
        {
            "WordPiece" => WordPiece(root, model, path, folder),
            "BPE" when IsByteLevel(root) => TokenizerFactory.ByteLevelBpe(Vocabulary(model, path), Merges(model, path), path),
            "BPE" => throw new InvalidDataException(
                $"'{path}' holds a BPE model without byte-level pre-tokenization (a SentencePiece-style BPE); only GPT-2's and RoBERTa's " +
                    $"byte-level BPE is read."),
            _ => throw new InvalidDataException(
                $"'{path}' holds a '{type}' model; only WordPiece (BERT, DistilBERT, ELECTRA) and byte-level BPE (GPT-2, RoBERTa) are " +
                    $"read. " +
                $"For XLM-RoBERTa, copy its {TokenizerFactory.SentencePieceFile} into the folder, for ALBERT its " +
                    $"{TokenizerFactory.AlbertSentencePieceFile}; other SentencePiece/Unigram tokenizers (T5, DeBERTa) are not supported."),
        };
    }

    // transformers lets tokenizer_config.json override the file's normalizer; without that file the normalizer decides.
    private static ITextTokenizer WordPiece(JsonObject root, JsonObject model, string path, string folder)
    {
        Dictionary<string, int> vocabulary = Vocabulary(model, path);
        string[] tokens = new string[vocabulary.Count];
        foreach (var (token, id) in vocabulary)
        {
            if (id < 0 || id >= tokens.Length || tokens[id] is not null)
                throw new InvalidDataException($"'{path}': the WordPiece ids must number the {tokens.Length:N0} tokens 0 to " +
                    $"{tokens.Length - 1} once each ('{token}' has {id}).");
            tokens[id] = token;
        }
        bool hasSettings = File.Exists(Path.Combine(folder, TokenizerFactory.SettingsFile));
        return TokenizerFactory.WordPiece(tokens, hasSettings ? WordPieceSettings.Read(folder) : NormalizerSettings(root, path), path);
    }

    private static WordPieceSettings NormalizerSettings(JsonObject root, string path)
    {
        JsonNode? normalizer = root["normalizer"];
        if (normalizer is null) return new WordPieceSettings(false, false);
        string type = normalizer["type"]?.GetValue<string>() ?? "";
        if (type != "BertNormalizer")
            throw new InvalidDataException($"'{path}' has a '{type}' normalizer; WordPiece is read with BERT's (\"BertNormalizer\"). Add " +
                $"a tokenizer_config.json with do_lower_case to say how to clean text.");
        bool lowerCase = normalizer["lowercase"]?.GetValue<bool>() ?? true;
        return new WordPieceSettings(lowerCase, normalizer["strip_accents"]?.GetValue<bool>() ?? lowerCase);
    }

    private static bool IsByteLevel(JsonObject root)
    {
        static bool Has(JsonNode? node) => node?["type"]?.GetValue<string>() switch
        {
            "ByteLevel" => true,
            "Sequence" => (node["pretokenizers"] ?? node["decoders"]) is JsonArray parts && parts.Any(Has),
            _ => false,
        };
        return Has(root["pre_tokenizer"]) || Has(root["decoder"]);
    }

    private static Dictionary<string, int> Vocabulary(JsonObject model, string path)
    {
        if (model["vocab"] is not JsonObject vocab || vocab.Count == 0)
            throw new InvalidDataException($"'{path}' has no model.vocab; expected an object mapping token strings to ids.");
        try
        {
            return vocab.ToDictionary(entry => entry.Key, entry => entry.Value!.GetValue<int>());
        }
        catch (Exception error) when (error is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"'{path}': every model.vocab entry must map a token to an integer id.", error);
        }
    }

    // tokenizers up to 0.19 writes a merge as "a b"; later versions as ["a", "b"].
    private static List<string> Merges(JsonObject model, string path)
    {
        if (model["merges"] is not JsonArray merges)
            throw new InvalidDataException($"'{path}' has no model.merges; a BPE model lists its merges there.");
        var result = new List<string>(merges.Count);
        foreach (JsonNode? merge in merges)
        {
            string? pair = merge switch
            {
                JsonValue value when value.TryGetValue(out string? text) && text.Split(' ').Length == 2 => text,
                JsonArray { Count: 2 } parts when parts[0]?.GetValueKind() == JsonValueKind.String
                    && parts[1]?.GetValueKind() == JsonValueKind.String =>
                    $"{parts[0]!.GetValue<string>()} {parts[1]!.GetValue<string>()}",
                _ => null,
            };
            result.Add(pair ?? throw new InvalidDataException(
                $"'{path}': merge {result.Count + 1} is {merge?.ToJsonString() ?? "null"}; expected \"a b\" or [\"a\", \"b\"]."));
        }
        return result;
    }

    private static JsonObject Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"'{path}' is not a JSON object; a tokenizer.json is one.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {error.Message}", error);
        }
    }
}
