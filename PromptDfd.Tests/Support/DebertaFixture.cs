namespace PromptDfd.Tests.Support;

/// <summary>The DeBERTa-v3 golden checkpoint in Fixtures/deberta (see its README).</summary>
public static class DebertaFixture
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", "deberta", .. parts]);

    /// <summary>Copies the checkpoint (config, weights, spm.model) into a folder, for tests that change or train it.</summary>
    public static void CopyTo(string folder)
    {
        foreach (string file in Directory.GetFiles(Path())) File.Copy(file,
            System.IO.Path.Combine(folder, System.IO.Path.GetFileName(file)));
    }
}
