using System.Text;
using System.Text.Json;

namespace PromptDfd.Engine.Data;

/// <summary>
/// Reads user datasets (CSV with a header row, or JSONL) into examples. Every problem is reported with the file,
/// the line and what to change: invalid UTF-8, a missing column, an empty text or label, malformed JSON or quoting.
/// </summary>
public static class DatasetFileReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static List<LabeledExample> Read(string path, string textColumn = "text", string labelColumn = "label") =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".json" => ReadJsonl(path, textColumn, labelColumn),
            ".csv" => ReadCsv(path, textColumn, labelColumn),
            _ => throw new InvalidDataException($"'{path}': unsupported file type. Use .csv (with a header row) or .jsonl (one JSON " +
                $"object per line)."),
        };

    public static List<LabeledExample> ReadJsonl(string path, string textColumn, string labelColumn)
    {
        var examples = new List<LabeledExample>();
        int lineNumber = 0;
        foreach (string line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement row;
            try { row = JsonDocument.Parse(line).RootElement; }
            catch (JsonException error) { throw Problem(path, lineNumber, $"not valid JSON ({error.Message})"); }
            if (row.ValueKind != JsonValueKind.Object) throw Problem(path, lineNumber,
                "each line must be a JSON object like {\"text\": \"...\", \"label\": \"...\"}");
            string text = Field(row, textColumn, path, lineNumber);
            string label = Field(row, labelColumn, path, lineNumber);
            string? group = row.TryGetProperty("group", out JsonElement g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
            examples.Add(Checked(text, label, group, path, lineNumber, textColumn, labelColumn));
        }
        return examples;
    }

    public static List<LabeledExample> ReadCsv(string path, string textColumn, string labelColumn)
    {
        List<(int Line, List<string> Fields)> records = CsvRecords(path);
        if (records.Count == 0) throw new InvalidDataException($"'{path}' is empty; expected a header row naming the '{textColumn}' and " +
            $"'{labelColumn}' columns.");
        List<string> header = records[0].Fields.Select(h => h.Trim()).ToList();
        int textIndex = header.IndexOf(textColumn), labelIndex = header.IndexOf(labelColumn);
        if (textIndex < 0 || labelIndex < 0)
        {
            string missing = textIndex < 0 ? textColumn : labelColumn;
            throw new InvalidDataException($"'{path}': the header has no '{missing}' column (found: {string.Join(", ", header)}). Rename " +
                $"the column or pass its name.");
        }
        var examples = new List<LabeledExample>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            if (fields.Count != header.Count) throw Problem(path, line,
                $"has {fields.Count} fields but the header has {header.Count}; quote fields that contain commas");
            examples.Add(Checked(fields[textIndex], fields[labelIndex], null, path, line, textColumn, labelColumn));
        }
        return examples;
    }

    private static LabeledExample Checked(string text, string label, string? group, string path, int line, string textColumn,
        string labelColumn)
    {
        string cleanText = TextCleaning.Normalize(text), cleanLabel = label.Trim();
        if (cleanText.Length == 0) throw Problem(path, line, $"the '{textColumn}' is empty; remove the row or fill in its text");
        if (cleanLabel.Length == 0) throw Problem(path, line, $"the '{labelColumn}' is empty; every row needs a label");
        return new LabeledExample(cleanText, cleanLabel, group);
    }

    private static string Field(JsonElement row, string name, string path, int line)
    {
        if (!row.TryGetProperty(name, out JsonElement value)) throw Problem(path, line, $"has no \"{name}\" field");
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => throw Problem(path, line, $"\"{name}\" must be a string or a number"),
        };
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Dataset file '{path}' does not exist.", path);
        string content;
        try { content = StrictUtf8.GetString(File.ReadAllBytes(path)); }
        catch (DecoderFallbackException error)
        {
            throw new InvalidDataException($"'{path}' is not valid UTF-8 (bad byte at index {error.Index}). Save the file as UTF-8 and " +
                $"try again.", error);
        }
        return content.TrimStart('\uFEFF').Split('\n').Select(l => l.TrimEnd('\r'));
    }

    private static List<(int, List<string>)> CsvRecords(string path)
    {
        string content = string.Join('\n', ReadLines(path));
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        int line = 1, recordLine = 1;
        for (int i = 0; i < content.Length; i++)
        {
            char c = content[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < content.Length && content[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString()); field.Clear();
                records.Add((recordLine, fields)); fields = [];
                recordLine = ++line;
            }
            else field.Append(c);
        }
        if (quoted) throw Problem(path, recordLine, "a quoted field is never closed; check for a missing '\"'");
        if (field.Length > 0 || fields.Count > 0) { fields.Add(field.ToString()); records.Add((recordLine, fields)); }
        return records;
    }

    private static InvalidDataException Problem(string path, int line, string problem) => new($"'{path}' line {line}: {problem}.");
}
