using PromptDfd.Engine.Models;
using PromptDfd.Engine.Models.HuggingFace;
using PromptDfd.Engine.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptDfd.Engine.Training;

/// <summary>
/// What a teacher is fine-tuned from: the language prior's GPT body (the shipped teachers), or a BERT-family encoder
/// checkpoint, such as a Hugging Face bert-base download, for users who would rather distil a BERT. Either way the
/// classification head is new and sized to the task.
/// </summary>
public sealed class TeacherBase
{
    private readonly LoadedLanguageModel? prior;
    private readonly BertConfig? encoder;
    private readonly Device device;

    private TeacherBase(string folder, LoadedLanguageModel? prior, BertConfig? encoder, ITextTokenizer tokenizer, string weightsSha256,
        Device device)
    {
        Folder = folder;
        this.prior = prior;
        this.encoder = encoder;
        Tokenizer = tokenizer;
        WeightsSha256 = weightsSha256;
        this.device = device;
    }

    public string Folder { get; }
    public ITextTokenizer Tokenizer { get; }
    public string WeightsSha256 { get; }
    public bool IsEncoder => encoder is not null;

    /// <summary>How a teacher's card names the weights it started from: "prior model.safetensors" for the shipped prior, else the base's
    /// own file.</summary>
    public string WeightsName => $"{(IsEncoder ? "base" : "prior")} {Path.GetFileName(CheckpointWeights.Of(Folder).Source)}";
    public int ContextLength => encoder?.ContextLength ?? prior!.Model.Config.ContextLength;

    /// <summary>A GPT language model (model_type gpt2) or a BERT-family encoder (model_type bert or distilbert), told apart by
    /// config.json.</summary>
    public static TeacherBase Load(string folder, Device device)
    {
        var config = Checkpoint.ReadConfig(folder);
        string architecture = config["architectures"]?[0]?.GetValue<string>() ?? "";
        if (!BertConfig.IsEncoder(config))
        {
            // A GPT classifier's body would load, but its score head would not: say what it is instead of naming a tensor.
            if (architecture.EndsWith("ForSequenceClassification", StringComparison.Ordinal))
                throw new ArgumentException($"'{folder}' is a {architecture}, a finished classifier. Fine-tune a teacher from a language " +
                    $"model " +
                    "(GPT2LMHeadModel, such as models/prior) or from a BERT-family checkpoint.");
            LoadedLanguageModel prior = Checkpoint.LoadLanguageModel(folder, device);
            return new TeacherBase(folder, prior, null, prior.Tokenizer, prior.WeightsSha256, device);
        }
        BertConfig encoder = BertConfig.FromHuggingFace(config, Path.Combine(folder, Checkpoint.ConfigFile));
        ITextTokenizer tokenizer = TokenizerFactory.FromFolder(folder);
        if (tokenizer.VocabularySize > encoder.VocabularySize)
            throw new InvalidDataException($"Checkpoint '{folder}': the tokenizer has {tokenizer.VocabularySize} tokens but the " +
                $"encoder's embedding has only {encoder.VocabularySize} rows.");
        return new TeacherBase(folder, null, encoder, tokenizer, Checkpoint.WeightsSha256(folder), device);
    }

    /// <summary>A teacher before training (call after seeding: the head, and the whole network from scratch, are drawn from libtorch's
    /// generator).</summary>
    public nn.Module NewTeacher(int classes, ClassifierTrainingConfig config)
    {
        if (prior is not null) return TeacherTraining.NewTeacher(prior.Model, classes, config);
        if (config.Pooling != ClassifierPooling.LastToken)
            throw new ArgumentException($"--pooling {config.Pooling.Name()} is for teachers on a GPT body; a BERT teacher reads its " +
                $"pooled [CLS] token. Leave --pooling out.");
        if (config.LanguageModelWeight > 0)
            throw new ArgumentException("--lm-weight adds a next-token loss, which needs a GPT body; a BERT encoder has no " +
                "language-model head. Leave --lm-weight out.");
        var teacher = new BertClassifier(encoder! with { Dropout = config.Dropout }, classes);
        if (!config.FromScratch) ModelWeights.Load(teacher, WeightLayout.EncoderBody(encoder), CheckpointWeights.Of(Folder));
        teacher.to(device);
        return teacher;
    }
}
