using Microsoft.AspNetCore.Components.Server.Circuits;

namespace PromptDfd.Web.Components.Charts;

/// <summary>
/// Tells a page's components that its circuit is closing: the tab went away, or the dashboard is stopping. A JavaScript call
/// still waiting for its reply then never gets one (Blazor refuses new calls, but leaves those in flight pending), so
/// anything that waits on such a call stops waiting when <see cref="Token"/> fires.
/// </summary>
public sealed class CircuitClosing : CircuitHandler, IDisposable
{
    private readonly CancellationTokenSource closed = new();

    public CircuitClosing() => Token = closed.Token;

    /// <summary>Fires when the circuit closes, and at the latest when its services are disposed, which can come before its
    /// components are when the whole dashboard stops.</summary>
    public CancellationToken Token { get; }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        closed.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        closed.Cancel();
        closed.Dispose();
    }
}
