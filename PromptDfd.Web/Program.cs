using Microsoft.AspNetCore.Components.Server.Circuits;
using MudBlazor.Services;
using PromptDfd.Cluster.Hosting;
using PromptDfd.Engine.Infrastructure;
using PromptDfd.Web.Components;
using PromptDfd.Web.Components.Charts;
using PromptDfd.Web.Services;

TorchRuntime.EnableHugePageTensors();
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section);
var clusterSettings = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
builder.Services.AddSingleton<ShippedAssets>();
builder.Services.AddSingleton<PlaygroundService>();
builder.Services.AddSingleton<TeacherJobs>();
// The silo starts before the run manager and stops after it, so runs are handed out and interrupted while it is up.
try
{
    builder.AddPromptDfdCluster(clusterSettings);
}
catch (InvalidOperationException error)
{
    Console.Error.WriteLine($"error: {error.Message} Fix the Cluster section of appsettings.json (see docs/cluster.md).");
    return 1;
}
builder.Services.AddPromptDfdEngine();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddScoped<CircuitClosing>();
builder.Services.AddScoped<CircuitHandler>(services => services.GetRequiredService<CircuitClosing>());
// Toasts rise from the bottom right, clear of the run page's Pause, Cancel and Export buttons at the top.
builder.Services.AddMudServices(mud =>
{
    mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
    mud.SnackbarConfiguration.MaxDisplayedSnackbars = 4;
    mud.SnackbarConfiguration.PreventDuplicates = true;
});

// Checked before anything listens: --urls, ASPNETCORE_URLS and appsettings "Urls" all land in this key.
var settings = builder.Configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>() ?? new DashboardOptions();
try
{
    settings.Validate();
    BindingGuard.Check((builder.Configuration["Urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries), settings);
}
catch (InvalidOperationException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}

var app = builder.Build();

var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DashboardOptions>>().Value;
TorchRuntime.ConfigureThreads(options.Threads);
// A store that cannot be opened or read stops the dashboard with its path and what to do, not a stack trace.
try
{
    app.Services.GetRequiredService<PromptDfd.Engine.Store.RunStore>().CheckReadable();
}
catch (InvalidDataException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
}
// A mistyped address gets a page that says so (API 404s carry their own message and are left alone).
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseMiddleware<RemoteErrorMiddleware>();
app.UseMiddleware<AccessTokenMiddleware>();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapGet("/api/system", () => new { torch = TorchRuntime.Describe() });
app.MapRunExports();

// The settings read above are not the only way to bind: check what the server really listens on, and stop if exposed.
string? bindingRefusal = null;
app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
    bindingRefusal = BindingGuard.RefusalFor(addresses, options);
    if (bindingRefusal is null) return;
    if (app.Logger.IsEnabled(LogLevel.Critical)) app.Logger.LogCritical("{Refusal}", bindingRefusal);
    Console.Error.WriteLine(bindingRefusal);
    app.Lifetime.StopApplication();
});

try
{
    app.Run();
}
catch (IOException error) when (error.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // Another dashboard (or program) holds the address: say which setting picks another one.
    Console.Error.WriteLine($"error: {error.Message} Stop the other process, or choose another address with --urls http://127.0.0.1:<port>.");
    return 1;
}
return bindingRefusal is null ? 0 : 1;

public partial class Program;
