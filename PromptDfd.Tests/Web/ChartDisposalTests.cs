using System.Collections.Concurrent;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using PromptDfd.Web.Components.Charts;

namespace PromptDfd.Tests.Web;

/// <summary>
/// A chart whose first draw the browser never answers (the page closed while Plotly drew it) must not hold up the disposal
/// of its circuit, which the dashboard's shutdown waits for. The real Plotly.Blazor chart talks to a stand-in browser that
/// answers its draw only when told to, as a closed page never does.
/// </summary>
public sealed class ChartDisposalTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly BunitContext context = new();
    private readonly PlotlyBrowser browser = new();
    private readonly CircuitClosing circuit = new();

    public ChartDisposalTests()
    {
        context.Services.AddSingleton(circuit);
        context.Services.AddSingleton<IJSRuntime>(browser);
    }

    private async Task DrawChart()
    {
        context.Render<CircuitSafePlotlyChart>(chart => chart.Add(c => c.Id, "loss"));
        var deadline = DateTime.UtcNow + Patience;
        while (!browser.Calls.Contains("newPlot"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the chart never asked the browser to draw");
            await Task.Delay(10);
        }
    }

    private static async Task AssertEnds(Task disposal) =>
        Assert.True(disposal == await Task.WhenAny(disposal, Task.Delay(Patience)), $"the chart's disposal did not end within {Patience}");

    [Fact]
    public async Task ADisposedChartWaitsForItsDrawWhileThePageIsOpenAndLetsGoWhenTheCircuitCloses()
    {
        await DrawChart();

        Task disposal = context.DisposeComponentsAsync();
        await Task.Delay(300);
        Assert.False(disposal.IsCompleted, "while the browser can still answer, the chart waits for its draw before purging it");

        await circuit.OnCircuitClosedAsync(null!, CancellationToken.None);
        await AssertEnds(disposal);
        Assert.DoesNotContain("purge", browser.Calls);
    }

    [Fact]
    public async Task AChartOnAClosedCircuitIsDisposedAtOnce()
    {
        await DrawChart();
        await circuit.OnCircuitClosedAsync(null!, CancellationToken.None);

        await AssertEnds(context.DisposeComponentsAsync());
    }

    [Fact]
    public async Task AChartOnALivePageIsPurgedOnceItsDrawIsAnswered()
    {
        await DrawChart();

        Task disposal = context.DisposeComponentsAsync();
        browser.AnswerDraw();
        await AssertEnds(disposal);
        Assert.Contains("purge", browser.Calls);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await circuit.OnCircuitClosedAsync(null!, CancellationToken.None);
        await context.DisposeAsync();
        circuit.Dispose();
    }

    /// <summary>Loads Plotly's module as itself and answers every call at once, except a draw, which waits for
    /// <see cref="AnswerDraw"/>.</summary>
    private sealed class PlotlyBrowser : IJSRuntime, IJSObjectReference
    {
        private readonly TaskCompletionSource draw = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string> Calls { get; } = new();

        public void AnswerDraw() => draw.SetResult();

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) =>
            InvokeAsync<TValue>(identifier, CancellationToken.None, args);

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args)
        {
            Calls.Enqueue(identifier);
            return identifier switch
            {
                "import" => ValueTask.FromResult((TValue)(object)this),
                "newPlot" => new ValueTask<TValue>(Drawn<TValue>(cancellationToken)),
                _ => ValueTask.FromResult(default(TValue)!),
            };
        }

        private async Task<TValue> Drawn<TValue>(CancellationToken cancellationToken)
        {
            await draw.Task.WaitAsync(cancellationToken);
            return default!;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
