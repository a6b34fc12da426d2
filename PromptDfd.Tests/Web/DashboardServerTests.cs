using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using PromptDfd.Engine.Runs;
using PromptDfd.Engine.Store;
using PromptDfd.Tests.Data;
using PromptDfd.Tests.Support;
using PromptDfd.Web.Services;

namespace PromptDfd.Tests.Web;

/// <summary>The dashboard served by a real Kestrel on loopback, reading the repository's shipped tasks and models.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public class DashboardServerTests : IClassFixture<DashboardServerTests.Server>
{
    public class Server : WebApplicationFactory<Program>
    {
        private readonly TemporaryFolder runs = new();

        /// <summary>Dashboard:AccessToken for this server; empty for none.</summary>
        protected virtual string AccessToken => "";

        public Server() : this(IPAddress.Loopback) { }

        /// <param name="listenOn">the interface Kestrel binds, set through Kestrel's own options (not "Urls")</param>
        protected Server(IPAddress listenOn)
        {
            UseKestrel(options => options.Listen(listenOn, 0));
            StartServer();
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Urls", "http://127.0.0.1:0");
            builder.UseSetting("Dashboard:RepositoryRoot", Path.GetDirectoryName(ShippedTasksTests.RepositoryFile("PromptDfd.sln")));
            // Runs made by tests never land in the repository's run store.
            builder.UseSetting("Dashboard:RunsFolder", runs.Path);
            builder.UseSetting("Dashboard:AccessToken", AccessToken);
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing) runs.Dispose();
        }

        public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public sealed class TokenServer : Server
    {
        protected override string AccessToken => "s3cret";
    }

    private readonly Server server;

    public DashboardServerTests(Server server) => this.server = server;

    [Fact]
    public async Task OverviewListsTheShippedTasksFromARealLoopbackServer()
    {
        Assert.Equal("127.0.0.1", server.Address.Host);
        using var client = new HttpClient { BaseAddress = server.Address };
        string html = await client.GetStringAsync("/");
        Assert.Contains("task-table", html);
        foreach (string task in new[] { "sentiment", "genre", "ontology" }) Assert.Contains(task, html);
        var css = await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
    }

    [Fact]
    public async Task TheOverviewsStartButtonStartsTheDefaultSentimentRunOnTheShippedModels()
    {
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await DashboardHost.LaunchChromiumAsync(playwright);
        IPage page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(server.Address.ToString());
        await page.WaitForSelectorAsync("#circuit-state[data-interactive=yes]", new() { State = WaitForSelectorState.Attached });
        Assert.Contains("default sentiment run", await page.Locator("#quick-start").TextContentAsync());

        await page.ClickAsync("#quick-start");
        await page.WaitForFunctionAsync("() => /\\/runs\\/[0-9]{8}-/.test(location.pathname)");
        string runId = page.Url.Split('/').Last().Split('?')[0];
        RunManager manager = server.Services.GetRequiredService<RunManager>();
        try
        {
            RunRecord run = manager.Store.Get(runId)!;
            RunConfig expected = RunPresets.Create("promptdfd", "sentiment", 1);
            Assert.Equal(("sentiment", "promptdfd", expected.Training.Schedule.Steps, expected.Training.Seed),
                (run.Task, run.Preset, run.TotalSteps, run.Seed));
            // appsettings.json ships Dashboard:Device "auto" (CUDA where present), and a dashboard run goes there.
            Assert.Equal("auto", run.Config.Device);
            // It runs on the shipped prior and teacher at once: its first step completes.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (manager.Store.Get(runId)!.Step < 1 && manager.Store.Get(runId)!.IsActive
                && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.True(manager.Store.Get(runId)!.Step >= 1,
                $"the default run did not finish a step: {manager.Store.Get(runId)!.Status} {manager.Store.Get(runId)!.Error}");
        }
        finally
        {
            if (manager.Store.Get(runId)?.IsActive == true) manager.Cancel(runId);
            await manager.WhenFinished(runId).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task SystemEndpointReportsTheLoadedLibtorch()
    {
        using var client = new HttpClient { BaseAddress = server.Address };
        string json = await client.GetStringAsync("/api/system");
        Assert.Contains("libtorch 2.", json);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://192.168.1.20:5080", false)]
    public void OnlyLoopbackAddressesCountAsLocal(string url, bool loopback) => Assert.Equal(loopback, BindingGuard.IsLoopback(url));

    [Fact]
    public void AnUnknownDeviceOrANegativeThreadCountStopsTheDashboardWithItsFix()
    {
        new DashboardOptions().Validate();
        new DashboardOptions { Device = "cuda", Threads = 2 }.Validate();
        var error = Assert.Throws<InvalidOperationException>(() => new DashboardOptions { Device = "tpu", Threads = -3 }.Validate());
        Assert.Contains("Dashboard:Device must be auto, cpu or cuda (got 'tpu')", error.Message);
        Assert.Contains("Dashboard:Threads must be 0 (one per core) or a positive count (got -3)", error.Message);
    }

    [Fact]
    public void ListeningBeyondLoopbackWithoutAnAccessTokenIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BindingGuard.Check(["http://0.0.0.0:5080"], new DashboardOptions()));
        Assert.Contains("Dashboard:AccessToken", error.Message);
        BindingGuard.Check(["http://0.0.0.0:5080"], new DashboardOptions { AccessToken = "secret" });
    }

    /// <summary>Bound to every interface by Kestrel's own options, which the "Urls" check before start never sees.</summary>
    public sealed class ExposedServer() : Server(IPAddress.Any);

    [Fact]
    public async Task ADashboardBoundBeyondLoopbackByKestrelOptionsWithoutATokenStopsItself()
    {
        Assert.Contains("Dashboard:AccessToken", BindingGuard.RefusalFor(["http://0.0.0.0:5083"], new DashboardOptions()));
        // On a loaded machine the guard can stop and dispose the host before the test factory has finished starting it (in
        // its constructor, or when its services are first read): the host stopped itself. So every service is read before
        // waiting. One that did not stop itself never fails here; it times out below.
        ExposedServer exposed;
        IHostApplicationLifetime lifetime;
        IServer server;
        try
        {
            exposed = new ExposedServer();
            lifetime = exposed.Services.GetRequiredService<IHostApplicationLifetime>();
            server = exposed.Services.GetRequiredService<IServer>();
        }
        catch (ObjectDisposedException) { return; }
        using var stoppedServer = exposed;
        var stopping = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(30));
        string bound = server.Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.Contains("Dashboard:AccessToken", BindingGuard.RefusalFor([bound], new DashboardOptions()));
        Assert.Null(BindingGuard.RefusalFor([bound], new DashboardOptions { AccessToken = "secret" }));
        Assert.Null(BindingGuard.RefusalFor(["http://127.0.0.1:5080", "http://[::1]:5080"], new DashboardOptions()));
    }

    [Theory]
    [InlineData("192.168.1.20", HttpStatusCode.Forbidden)]
    [InlineData("10.0.0.7", HttpStatusCode.Forbidden)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("::1", HttpStatusCode.OK)]
    public async Task WithoutAnAccessTokenOnlyLoopbackClientsAreServed(string client, HttpStatusCode expected)
    {
        bool served = false;
        var middleware = new AccessTokenMiddleware(_ => { served = true; return Task.CompletedTask; },
            Microsoft.Extensions.Options.Options.Create(new DashboardOptions()));
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(client);
        context.Response.Body = new MemoryStream();
        await middleware.InvokeAsync(context);
        Assert.Equal(expected == HttpStatusCode.OK, served);
        if (!served) Assert.Equal((int)expected, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("192.168.1.20", false)]
    [InlineData("127.0.0.1", true)]
    public async Task AFailingRequestShowsItsErrorOnlyToThisMachine(string client, bool detailsShown)
    {
        var middleware = new RemoteErrorMiddleware(_ => throw new InvalidOperationException("secret stack detail"),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RemoteErrorMiddleware>.Instance);
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(client);
        context.Response.Body = new MemoryStream();
        if (detailsShown)
        {
            // Left to the framework's exception page, which a loopback user may see.
            Assert.Equal("secret stack detail", (await Assert.ThrowsAsync<InvalidOperationException>(() =>
                middleware.InvokeAsync(context))).Message);
            return;
        }
        await middleware.InvokeAsync(context);
        Assert.Equal(500, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        string body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.DoesNotContain("secret", body);
    }

    [Fact]
    public async Task WithAnAccessTokenEveryRequestNeedsItAndTheQueryTokenSetsACookie()
    {
        using var server = new TokenServer();
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = server.Address };
        var refused = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("access_token", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/?access_token=wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/?access_token=s3cret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/system")).StatusCode);
    }
}
