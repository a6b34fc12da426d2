using Microsoft.AspNetCore.Components;
using Plotly.Blazor;

namespace PromptDfd.Web.Components.Charts;

/// <summary>
/// Plotly's chart, whose disposal does not outwait its circuit. Plotly draws a new chart with a JavaScript call that has no
/// timeout, and its disposal waits for that call to finish. When a page closes before the browser answered, the answer
/// never comes: the circuit's disposal, and with it the dashboard's shutdown, would wait for it forever.
/// </summary>
public sealed class CircuitSafePlotlyChart : PlotlyChart, IAsyncDisposable
{
    [Inject] private CircuitClosing Circuit { get; set; } = null!;

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        Task release = DisposeAsync().AsTask();
        try
        {
            await release.WaitAsync(Circuit.Token);
        }
        catch (OperationCanceledException) when (Circuit.Token.IsCancellationRequested)
        {
            // The browser is gone, and with it the chart that the release would have purged.
        }
    }
}
