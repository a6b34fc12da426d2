using LiteDB;
using PromptDfd.Engine.Metrics;

namespace PromptDfd.Engine.Store;

/// <summary>A page of results and how many there are in all.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>What the runs table asks for: filters, sort and page.</summary>
public sealed record RunQuery
{
    public RunStatus? Status { get; init; }
    public string? Method { get; init; }
    public string? Task { get; init; }
    public string? Tag { get; init; }
    public bool StarredOnly { get; init; }
    /// <summary>Matches name, id, notes, tags and preset.</summary>
    public string? Text { get; init; }
    /// <summary>"Path.To.Key=value" filters on the flattened config.</summary>
    public string? ConfigFilter { get; init; }
    public double? MinimumAccuracy { get; init; }
    public string SortBy { get; init; } = nameof(RunRecord.CreatedAt);
    public bool Descending { get; init; } = true;
    public int Skip { get; init; }
    public int Take { get; init; } = 25;
}

/// <summary>Which disagreements the sample stream shows.</summary>
public enum SampleDisagreement
{
    /// <summary>Every sample.</summary>
    Any,
    /// <summary>The student's label differs from the teacher's: what the student has not learned yet.</summary>
    StudentAndTeacher,
    /// <summary>The teacher's label differs from the class the sample was written for: steering that did not take.</summary>
    TeacherAndIntended,
}

/// <summary>What the sample stream asks for.</summary>
public sealed record SampleQuery
{
    public int? Step { get; init; }
    /// <summary>The class the sample was written for.</summary>
    public string? IntendedClass { get; init; }
    /// <summary>The class the teacher read in it.</summary>
    public string? TeacherLabel { get; init; }
    public SampleDisagreement Disagreement { get; init; }
    public string? Text { get; init; }
    public int Skip { get; init; }
    public int Take { get; init; } = 50;
}

/// <summary>
/// Run history in one LiteDB file: runs, metric series, samples and events. Opened in shared mode so the
/// dashboard and a command-line run can use the same file. Appends come in batches from the run manager.
/// </summary>
public sealed class RunStore : IDisposable
{
    private readonly LiteDatabase database;
    private readonly ILiteCollection<RunRecord> runs;
    private readonly ILiteCollection<MetricPoint> metrics;
    private readonly ILiteCollection<SampleRecord> samples;
    private readonly ILiteCollection<RunEventRecord> events;

    public RunStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        RefuseForeignFile(Path);
        // Strings are kept as written: LiteDB trims them by default, which took the leading space off each sample's content, so
        // an exported text read "this movie wasvery good" (prompt + content) and a search could not match across the join.
        var mapper = new BsonMapper { TrimWhitespace = false };
        mapper.Entity<RunRecord>().Id(r => r.Id, autoId: false);
        try
        {
            database = new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Shared }, mapper);
            runs = database.GetCollection<RunRecord>("runs");
            metrics = database.GetCollection<MetricPoint>("metrics", BsonAutoId.Int64);
            samples = database.GetCollection<SampleRecord>("samples", BsonAutoId.Int64);
            events = database.GetCollection<RunEventRecord>("events", BsonAutoId.Int64);
            metrics.EnsureIndex(m => m.RunId);
            samples.EnsureIndex(s => s.RunId);
            events.EnsureIndex(e => e.RunId);
            FillReportedAccuracy();
        }
        catch (Exception error) when (IsDamage(error))
        {
            throw new InvalidDataException($"The run store '{Path}' cannot be opened ({error.Message}). If it is corrupt, move it aside; " +
                $"a new store is created on the next start.", error);
        }
    }

    public string Path { get; }

    /// <summary>Runs stored before there was one reported accuracy get it once, from their own evaluations.</summary>
    private void FillReportedAccuracy()
    {
        foreach (RunRecord run in runs.FindAll().Where(r => r.ReportedAccuracy is null && r.LastAccuracy is not null).ToList())
        {
            run.ReportedAccuracy = ReportedAccuracy.Of(Metrics(run.Id, MetricNames.StudentAccuracy));
            runs.Update(run);
        }
    }

    private const string LiteDbSignature = "** This is a LiteDB file **";
    private const int LiteDbSignatureOffset = 32;

    /// <summary>
    /// LiteDB turns a short file that is not a database into an empty store, so a --store pointed at the wrong file
    /// would overwrite it; any non-empty file without LiteDB's header is refused and left as it is.
    /// </summary>
    private static void RefuseForeignFile(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return;
        var header = new byte[LiteDbSignatureOffset + LiteDbSignature.Length];
        int read;
        // Shared: the dashboard and the command line hold the same store open at once.
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < header.Length || System.Text.Encoding.ASCII.GetString(header, LiteDbSignatureOffset,
            LiteDbSignature.Length) != LiteDbSignature)
            throw new InvalidDataException($"'{path}' is not a run store: it lacks LiteDB's header, so it is another kind of file or a " +
                $"badly damaged store. " +
                "It was not opened and is unchanged. Point --store (or Dashboard:StoreFile) at a store PromptDfd made or at a new path; " +
                "if this was your store, move it aside and a new one is created on the next start.");
    }

    public void Insert(RunRecord run) => runs.Insert(run);
    public void Update(RunRecord run) => Guarded(() => runs.Update(run));

    /// <summary>Reads a run, changes it and writes it back as one step, so two writers in this process (a run's progress,
    /// the user's name, tags and notes) never put back each other's old fields. Null when there is no such run.</summary>
    public RunRecord? Change(string id, Action<RunRecord> change)
    {
        lock (changing)
        {
            RunRecord? run = Get(id);
            if (run is null) return null;
            change(run);
            Update(run);
            return run;
        }
    }

    private readonly Lock changing = new();
    public RunRecord? Get(string id) => Guarded(() => runs.FindById(id));
    public IReadOnlyList<RunRecord> All() => Guarded(() => runs.FindAll().ToList());

    public void Delete(string id) => Guarded(() =>
    {
        metrics.DeleteMany(m => m.RunId == id);
        samples.DeleteMany(s => s.RunId == id);
        events.DeleteMany(e => e.RunId == id);
        runs.Delete(id);
    });

    public Page<RunRecord> Query(RunQuery query)
    {
        IEnumerable<RunRecord> all = All();
        if (query.Status is { } status) all = all.Where(r => r.Status == status);
        if (!string.IsNullOrWhiteSpace(query.Method)) all = all.Where(r => r.Method.Equals(query.Method, StringComparison.OrdinalIgnoreCase)
            || r.Preset.Equals(query.Method, StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrWhiteSpace(query.Task)) all = all.Where(r => r.Task.Equals(query.Task, StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrWhiteSpace(query.Tag)) all = all.Where(r => r.Tags.Contains(query.Tag, StringComparer.OrdinalIgnoreCase));
        if (query.StarredOnly) all = all.Where(r => r.Starred);
        if (query.MinimumAccuracy is { } minimum) all = all.Where(r => r.ReportedAccuracy >= minimum);
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            string text = query.Text.Trim();
            all = all.Where(r => new[] { r.Id, r.Name, r.Notes, r.Preset, string.Join(' ', r.Tags) }.Any(f =>
                f?.Contains(text, StringComparison.OrdinalIgnoreCase) == true));
        }
        if (!string.IsNullOrWhiteSpace(query.ConfigFilter))
        {
            int equals = query.ConfigFilter.IndexOf('=');
            string key = (equals < 0 ? query.ConfigFilter : query.ConfigFilter[..equals]).Trim();
            string? value = equals < 0 ? null : query.ConfigFilter[(equals + 1)..].Trim();
            all = all.Where(r => r.ConfigValues.Any(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)
                && (value is null || p.Value.Equals(value, StringComparison.OrdinalIgnoreCase))));
        }
        var filtered = all.ToList();
        Func<RunRecord, object?> key2 = query.SortBy switch
        {
            nameof(RunRecord.Name) => r => r.Name,
            nameof(RunRecord.Task) => r => r.Task,
            nameof(RunRecord.Method) => r => r.Preset,
            nameof(RunRecord.Status) => r => r.Status,
            nameof(RunRecord.ReportedAccuracy) => r => r.ReportedAccuracy ?? -1,
            nameof(RunRecord.LastAccuracy) => r => r.LastAccuracy ?? -1,
            nameof(RunRecord.Seed) => r => r.Seed,
            nameof(RunRecord.Starred) => r => r.Starred,
            _ => r => r.CreatedAt,
        };
        var ordered = query.Descending ? filtered.OrderByDescending(key2) : filtered.OrderBy(key2);
        return new Page<RunRecord>(ordered.ThenByDescending(r => r.CreatedAt).Skip(query.Skip).Take(query.Take).ToList(), filtered.Count);
    }

    /// <summary>Appends a batch of metrics, samples and events (one write per collection).</summary>
    public void Append(IReadOnlyCollection<MetricPoint> newMetrics, IReadOnlyCollection<SampleRecord> newSamples,
        IReadOnlyCollection<RunEventRecord> newEvents)
    {
        Guarded(() =>
        {
            if (newMetrics.Count > 0) metrics.InsertBulk(newMetrics);
            if (newSamples.Count > 0) samples.InsertBulk(newSamples);
            if (newEvents.Count > 0) events.InsertBulk(newEvents);
        });
    }

    public IReadOnlyList<MetricPoint> Metrics(string runId, string? name = null) => Guarded(() =>
        (name is null ? metrics.Find(m => m.RunId == runId) : metrics.Find(m => m.RunId == runId && m.Name == name)).OrderBy(m =>
            m.Id).ToList());

    /// <summary>
    /// One page of a run's samples, newest first, and how many match. The filters run inside LiteDB and only the matching ids
    /// leave it; just the page's samples are read whole, so a run of 100,000 samples answers in about a third of the time.
    /// </summary>
    public Page<SampleRecord> Samples(string runId, SampleQuery query) => Guarded(() =>
    {
        var matching = samples.Query().Where(s => s.RunId == runId);
        if (query.Step is { } step) matching = matching.Where(s => s.Step == step);
        if (!string.IsNullOrWhiteSpace(query.IntendedClass)) matching = matching.Where(s => s.Class == query.IntendedClass);
        if (!string.IsNullOrWhiteSpace(query.TeacherLabel)) matching = matching.Where(s => s.TeacherLabel == query.TeacherLabel);
        matching = query.Disagreement switch
        {
            SampleDisagreement.StudentAndTeacher => matching.Where("$.StudentLabel != $.TeacherLabel"),
            SampleDisagreement.TeacherAndIntended => matching.Where("LENGTH($.Class) > 0 AND $.Class != $.TeacherLabel"),
            _ => matching,
        };
        // INDEXOF, not LIKE: a search for "50%" or "a_b" means those characters, not wildcards.
        if (!string.IsNullOrWhiteSpace(query.Text))
            matching = matching.Where("INDEXOF(LOWER($.Prompt + $.Content), @0) >= 0", new BsonValue(query.Text.ToLowerInvariant()));
        var ids = matching.Select(s => s.Id).ToList();
        ids.Sort((x, y) => y.CompareTo(x));
        var page = ids.Skip(query.Skip).Take(query.Take).ToList();
        if (page.Count == 0) return new Page<SampleRecord>([], ids.Count);
        var found = samples.Find(LiteDB.Query.In("_id", new BsonArray(page.Select(id => new BsonValue(id))))).ToDictionary(s => s.Id);
        return new Page<SampleRecord>(page.Where(found.ContainsKey).Select(id => found[id]).ToList(), ids.Count);
    });

    public IReadOnlyList<SampleRecord> AllSamples(string runId) => Guarded(() => samples.Find(s => s.RunId == runId).OrderBy(s => s.Id)
        .ToList());

    public IReadOnlyList<RunEventRecord> Events(string runId, string? kind = null) => Guarded(() =>
        (kind is null ? events.Find(e => e.RunId == runId) : events.Find(e => e.RunId == runId && e.Kind == kind)).OrderBy(e =>
            e.Id).ToList());

    /// <summary>Forgets what a run wrote after a step, so a run resumed from that step's checkpoint has continuous curves.</summary>
    public void DeleteAfter(string runId, int step) => Guarded(() =>
    {
        metrics.DeleteMany(m => m.RunId == runId && m.Step > step);
        samples.DeleteMany(s => s.RunId == runId && s.Step > step);
        events.DeleteMany(e => e.RunId == runId && e.Step > step && e.Kind != RunEventKinds.Status);
    });

    /// <summary>What to tell a user whose store fails to read after it opened (truncated, pages overwritten).</summary>
    public static string DamagedAdvice(string path, Exception error) =>
        $"The run store '{path}' is damaged ({error.Message}). Move it aside (mv '{path}' '{path}.damaged'): a new store is created " +
        "on the next start, and the old file can still be inspected with LiteDB's tools.";

    /// <summary>Reads every run record, so a store damaged where runs are kept fails here, at start, with <see cref="DamagedAdvice"/>.</summary>
    public void CheckReadable() => _ = All();

    // Only LiteDB's own work runs where this is asked, and on a damaged file it fails in many ways besides LiteException
    // ("Invalid LCID code" for a garbled header, bytes that are no UTF-8, "not implemented" for a type byte no writer uses).
    private static bool IsDamage(Exception error) => error is not (OperationCanceledException or OutOfMemoryException or InvalidDataException);

    // Every read and write but Insert (whose LiteException is a duplicate id, not damage) reports a damaged file with the
    // advice above.
    private T Guarded<T>(Func<T> operation)
    {
        try { return operation(); }
        catch (Exception error) when (IsDamage(error))
        {
            throw new InvalidDataException(DamagedAdvice(Path, error), error);
        }
    }

    private void Guarded(Action operation) => Guarded(() =>
    {
        operation();
        return true;
    });

    public void Dispose() => database.Dispose();
}
