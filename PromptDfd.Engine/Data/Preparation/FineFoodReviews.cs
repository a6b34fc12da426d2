using System.Text.RegularExpressions;
using PromptDfd.Engine.Data.RFormat;

namespace PromptDfd.Engine.Data.Preparation;

/// <summary>
/// Amazon fine-food reviews (Debian r-cran-modeldata, datasets training_data and testing_data of small_fine_foods: 5,000
/// reviews, products disjoint between the two), the review register the language prior otherwise lacks. Only the review
/// text is read, never the score: for the prior this is unlabelled text.
/// </summary>
public static partial class FineFoodReviews
{
    public const int ReviewsPerDocument = 5;
    private static readonly string[] Datasets = ["training_data", "testing_data"];

    public static IEnumerable<string> Read(string debFolder)
    {
        var data = RLazyLoadDatabase.Open(Path.Combine(debFolder, "usr", "lib", "R", "site-library", "modeldata", "data"));
        var reviews = Datasets.SelectMany(name => data.Read(name).Column("review"))
            .OfType<string>().Select(Clean).Where(review => TextCleaning.WordCount(review) >= 5);
        foreach (string[] group in reviews.Chunk(ReviewsPerDocument)) yield return string.Join('\n', group);
    }

    /// <summary>A review without its HTML line breaks and tags.</summary>
    public static string Clean(string review) => TextCleaning.Normalize(Tag().Replace(LineBreak().Replace(review, " "), ""));

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"<[^>]{1,40}>")]
    private static partial Regex Tag();
}
