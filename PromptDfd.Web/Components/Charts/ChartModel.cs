using System.Globalization;
using System.Text;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace PromptDfd.Web.Components.Charts;

/// <summary>How a panel draws its series: EMA smoothing weight (0 = raw), log y, one row per series.</summary>
public sealed record ChartDisplay(double Smoothing = 0, bool LogY = false, bool Split = false);

/// <summary>A vertical marker (a prompt change) and the text its hover shows.</summary>
public sealed record MarkerNote(double X, string Text);

/// <summary>New points for one Plotly trace, for a single extendTraces call.</summary>
public sealed record TraceAppend(int Trace, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// What one chart panel holds and draws, apart from Plotly: every raw point of every series (so smoothing, log scale,
/// split axes and the chosen metrics can change without asking the store again), the markers grouped by position, and the
/// traces and axes those lead to. Appends go to the raw and the smoothed trace of a series incrementally.
/// </summary>
public sealed class ChartModel
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf"];
    // Line patterns as well as colours, so series are told apart without colour vision.
    private static readonly string[] Dashes = ["solid", "dot", "dash", "longdash", "dashdot"];
    private const string MarkerColor = "#e65100";
    private const int MarkerLimit = 200;

    private readonly List<SeriesData> series;
    private readonly SortedDictionary<double, List<string>> markers = new();
    private readonly HashSet<int> hidden = [];

    public ChartModel(IReadOnlyList<ChartSeries> initial, string yTitle = "")
    {
        series = initial.Select(s => new SeriesData(s.Label, s.Unit, [.. s.X], [.. s.Y], s.Spread)).ToList();
        YTitle = yTitle;
    }

    public string YTitle { get; }
    public ChartDisplay Options { get; set; } = new();
    public IReadOnlyList<string> Labels => series.Select(s => s.Label).ToList();
    public int PointCount => series.Sum(s => s.X.Count);
    public IReadOnlyList<MarkerNote> Markers => markers.Select(m => new MarkerNote(m.Key, string.Join("\n", m.Value))).ToList();
    public bool IsVisible(int index) => !hidden.Contains(index);

    /// <summary>The y axis of the bottom row, which the shared x axis is drawn under.</summary>
    public string BottomAxis => Options.Split ? AxisName(Math.Max(0, VisibleIndices().Count - 1)) : "y";

    public void SetVisible(int index, bool visible)
    {
        if (visible) hidden.Remove(index); else if (hidden.Count < series.Count - 1) hidden.Add(index);
    }

    /// <summary>
    /// How this panel differs from <paramref name="start"/>, for a link: "s0.9" (smoothing), "log", "split" or "nosplit", and
    /// "-name" for each hidden metric, comma-separated; empty when it shows what it started with.
    /// </summary>
    public string ViewState(ChartDisplay start)
    {
        var parts = new List<string>();
        if (Options.Smoothing != start.Smoothing) parts.Add("s" + Options.Smoothing.ToString("0.###", CultureInfo.InvariantCulture));
        if (Options.LogY != start.LogY) parts.Add(Options.LogY ? "log" : "linear");
        if (Options.Split != start.Split) parts.Add(Options.Split ? "split" : "nosplit");
        parts.AddRange(hidden.Order().Select(i => "-" + series[i].Label));
        return string.Join(',', parts);
    }

    /// <summary>Restores a <see cref="ViewState"/> over <paramref name="start"/>; parts it does not know (a hand-edited link,
    /// a metric this run lacks) are ignored.</summary>
    public void ApplyViewState(string? state, ChartDisplay start)
    {
        var options = start;
        foreach (string part in (state ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part == "log" || part == "linear") options = options with { LogY = part == "log" };
            else if (part == "split" || part == "nosplit") options = options with { Split = part == "split" };
            else if (part.StartsWith('s') && double.TryParse(part[1..], NumberStyles.Float, CultureInfo.InvariantCulture, out double w)
                     && w is >= 0 and < 1) options = options with { Smoothing = w };
            else if (part.StartsWith('-') && Labels.ToList().IndexOf(part[1..]) is int index and >= 0) SetVisible(index, false);
        }
        Options = options;
    }

    /// <summary>Adds markers; several at one position become one marker whose hover lists them all.</summary>
    public void AddMarkers(IEnumerable<MarkerNote> notes)
    {
        foreach (MarkerNote note in notes) (markers.TryGetValue(note.X, out var texts) ? texts : markers[note.X] = []).Add(note.Text);
    }

    /// <summary>Stores new points and says what each trace of the current drawing gains.</summary>
    public IReadOnlyList<TraceAppend> Append(IEnumerable<ChartPoint> points)
    {
        var gained = new Dictionary<int, (List<double> X, List<double> Y)>();
        var layout = TraceLayout();
        foreach (ChartPoint point in points)
        {
            if (point.Series < 0 || point.Series >= series.Count) continue;
            SeriesData data = series[point.Series];
            data.X.Add(point.X);
            data.Y.Add(point.Y);
            double smoothed = data.Smoother.Next(point.Y, Options.Smoothing);
            if (!layout.TryGetValue(point.Series, out var traces)) continue;
            Add(gained, traces.Raw, point.X, point.Y);
            if (traces.Smoothed is int s) Add(gained, s, point.X, smoothed);
        }
        return gained.OrderBy(g => g.Key).Select(g => new TraceAppend(g.Key, g.Value.X, g.Value.Y)).ToList();
    }

    /// <summary>The traces for the current options: per visible series a raw line (faint when smoothed) and a smoothed one,
    /// then one hover point per marker position.</summary>
    public IList<ITrace> Traces()
    {
        var traces = new List<ITrace>();
        var visible = VisibleIndices();
        for (int k = 0; k < visible.Count; k++)
        {
            int i = visible[k];
            SeriesData data = series[i];
            string axis = Options.Split ? AxisName(k) : "y";
            var line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = Colors[i % Colors.Length], Dash = Dashes[i % Dashes.Length], Width = 2 };
            bool smoothing = Options.Smoothing > 0;
            traces.Add(new Scatter
            {
                Name = data.Label,
                LegendGroup = data.Label,
                ShowLegend = !smoothing,
                YAxis = axis,
                // Point markers only while they are few: thousands of SVG markers make every append redraw slowly.
                Mode = smoothing || data.X.Count > MarkerLimit ? ModeFlag.Lines : ModeFlag.Lines | ModeFlag.Markers,
                Opacity = smoothing ? 0.25m : 1m,
                Line = line,
                X = data.X.Cast<object>().ToList(),
                Y = data.Y.Cast<object>().ToList(),
            });
            data.Smoother.Reset();
            var smoothed = data.Y.Select(y => data.Smoother.Next(y, Options.Smoothing)).ToList();
            if (smoothing)
                traces.Add(new Scatter
                {
                    Name = data.Label,
                    LegendGroup = data.Label,
                    YAxis = axis,
                    Mode = ModeFlag.Lines,
                    Line = line,
                    X = data.X.Cast<object>().ToList(),
                    Y = smoothed.Cast<object>().ToList(),
                });
        }
        // Bands come after every line, so appending to the lines never shifts a trace's index (bands are for finished groups).
        for (int k = 0; k < visible.Count; k++) traces.AddRange(Band(series[visible[k]], visible[k], Options.Split ? AxisName(k) : "y"));
        if (markers.Count > 0)
        {
            var notes = Markers;
            traces.Add(new Scatter
            {
                Name = "prompt changes",
                ShowLegend = false,
                YAxis = AxisName(MarkerAxisIndex(visible.Count)),
                Mode = ModeFlag.Markers,
                X = notes.Select(n => (object)n.X).ToList(),
                Y = notes.Select(_ => (object)1.0).ToList(),
                HoverTextArray = notes.Select(n => AsPlotlyText(n.Text)).ToList(),
                HoverInfo = HoverInfoFlag.Text,
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker
                {
                    Color = MarkerColor,
                    Size = 10,
                    Symbol = Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.TriangleDown,
                },
            });
        }
        return traces;
    }

    // A share's band past 0 or 1 would draw accuracies no run can have.
    private static double Within(string unit, double value) => unit == ChartSeries.FractionUnit ? Math.Clamp(value, 0, 1) : value;

    /// <summary>Mean ± spread as a filled band: an invisible upper edge, then the lower edge filled up to it.</summary>
    private static IEnumerable<ITrace> Band(SeriesData data, int index, string axis)
    {
        if (data.Spread is null || data.Spread.Count != data.Y.Count) return [];
        string color = Colors[index % Colors.Length];
        Scatter Edge(string sign, int direction) => new()
        {
            Name = $"{data.Label} {sign} sd",
            LegendGroup = data.Label,
            ShowLegend = false,
            YAxis = axis,
            Mode = ModeFlag.Lines,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Width = 0, Color = color },
            X = data.X.Cast<object>().ToList(),
            Y = data.Y.Zip(data.Spread, (y, s) => (object)Within(data.Unit, y + direction * s)).ToList(),
            HoverInfo = HoverInfoFlag.Skip,
        };
        Scatter lower = Edge("−", -1);
        lower.Fill = FillEnum.ToNextY;
        lower.FillColor = color + "33";
        return [Edge("+", 1), lower];
    }

    /// <summary>The y axes for the current options: one, or one row per visible series, then the hidden axis markers sit on.</summary>
    public List<YAxis> YAxes()
    {
        int rows = Options.Split ? VisibleIndices().Count : 1;
        var visible = VisibleIndices();
        var axes = new List<YAxis>();
        const double gap = 0.06;
        double height = (1 - gap * (rows - 1)) / rows;
        for (int k = 0; k < rows; k++)
        {
            double upper = 1 - k * (height + gap);
            string title = Options.Split ? AxisTitle(series[visible[k]]) : YTitle;
            axes.Add(new YAxis
            {
                Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title
                {
                    Text = title,
                    Font = Options.Split ? new Plotly.Blazor.LayoutLib.YAxisLib.TitleLib.Font { Size = 10 } : null,
                },
                Type = Options.LogY ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear,
                Domain = [Math.Max(0, upper - height), upper],
                Anchor = "x",
                AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
            });
        }
        if (markers.Count > 0)
            axes.Add(new YAxis { Overlaying = "y", Range = [0, 1.05], Visible = false, FixedRange = true });
        return axes;
    }

    /// <summary>All raw points of all series, one row each, for the panel's CSV download.</summary>
    public string ToCsv(string xTitle)
    {
        var csv = new StringBuilder().Append("series,").Append(Quote(xTitle)).Append(",value\n");
        foreach (SeriesData data in series)
            for (int i = 0; i < data.X.Count; i++)
                csv.Append(Quote(data.Label)).Append(',').Append(data.X[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                    .Append(data.Y[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return csv.ToString();
    }

    /// <summary>Plotly reads hover text as its own small markup (tags, a few entities): the user's prompts are escaped so they
    /// stay text, and line breaks become its break tag.</summary>
    public static string AsPlotlyText(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\n", "<br>");

    private static string Quote(string field) => field.IndexOfAny([',', '"', '\n']) < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";

    /// <summary>A row's title: the metric's last name part and its unit ("entropy (nats)"), short enough for a row's height.</summary>
    private static string AxisTitle(SeriesData data)
    {
        string name = data.Label[(data.Label.LastIndexOf('/') + 1)..];
        return string.IsNullOrEmpty(data.Unit) ? name : $"{name} ({data.Unit})";
    }

    private static string AxisName(int index) => index == 0 ? "y" : $"y{index + 1}";

    private int MarkerAxisIndex(int visibleCount) => Options.Split ? visibleCount : 1;

    private List<int> VisibleIndices() => Enumerable.Range(0, series.Count).Where(i => !hidden.Contains(i)).ToList();

    private Dictionary<int, (int Raw, int? Smoothed)> TraceLayout()
    {
        var layout = new Dictionary<int, (int, int?)>();
        int trace = 0;
        foreach (int i in VisibleIndices())
        {
            layout[i] = Options.Smoothing > 0 ? (trace, trace + 1) : (trace, null);
            trace += Options.Smoothing > 0 ? 2 : 1;
        }
        return layout;
    }

    private static void Add(Dictionary<int, (List<double> X, List<double> Y)> gained, int trace, double x, double y)
    {
        var lists = gained.TryGetValue(trace, out var existing) ? existing : gained[trace] = ([], []);
        lists.X.Add(x);
        lists.Y.Add(y);
    }

    private sealed record SeriesData(string Label, string Unit, List<double> X, List<double> Y, IReadOnlyList<double>? Spread)
    {
        public ExponentialSmoother Smoother { get; } = new();
    }
}

/// <summary>
/// An exponential moving average with the start-up bias divided out (as TensorBoard smooths), so the first points are not
/// pulled toward zero. Weight 0 gives the raw values.
/// </summary>
public sealed class ExponentialSmoother
{
    private double average;
    private int count;

    public void Reset() => (average, count) = (0, 0);

    public double Next(double value, double weight)
    {
        if (!double.IsFinite(value)) return value;
        count++;
        average = average * weight + (1 - weight) * value;
        double debias = 1 - Math.Pow(weight, count);
        return debias <= 0 ? value : average / debias;
    }
}
