using System.Text.RegularExpressions;

namespace PromptDfd.Engine.Text;

/// <summary>GPT-2's word splitting rule, shared by the BPE trainer and the BPE loader so both see the same words.</summary>
public static partial class Gpt2PreTokenizer
{
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    public static partial Regex Regex();
}
