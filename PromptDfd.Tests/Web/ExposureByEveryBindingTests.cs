using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PromptDfd.Tests.Support;

namespace PromptDfd.Tests.Web;

/// <summary>
/// Every documented way of choosing the dashboard's address, pointed at all interfaces without an access token, ends
/// with the dashboard refusing to serve (exit code 1 and the setting to change); with a token it serves.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class ExposureByEveryBindingTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    // ASPNETCORE_URLS is not among them: appsettings.json's Urls (loopback) takes precedence over it.
    public static TheoryData<string> Ways => ["urls", "kestrel-argument", "kestrel-environment", "http-ports"];

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task ADashboardReachableFromOtherMachinesWithoutATokenStops(string way)
    {
        using Process process = Start(way, FreePort(), token: null);
        var (output, error) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        string said = await error + await output;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Dashboard:AccessToken", said);
        Assert.DoesNotContain("   at ", said);
    }

    [Fact]
    public async Task WithATokenTheSameBindingServes()
    {
        int port = FreePort();
        using Process process = Start("kestrel-environment", port, token: "a-long-enough-secret");
        try
        {
            using var client = new HttpClient();
            var deadline = DateTime.UtcNow.AddMinutes(1);
            HttpStatusCode? status = null;
            while (status is null && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try { status = (await client.GetAsync($"http://127.0.0.1:{port}/api/system")).StatusCode; }
                catch (HttpRequestException) { await Task.Delay(200); }
            }
            // Served, and guarded: a request without the token is refused, not answered.
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private Process Start(string way, int port, string? token)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PromptDfd.Web.dll"));
        start.ArgumentList.Add($"--Dashboard:StoreFile={folder.File("promptdfd.db")}");
        start.ArgumentList.Add($"--Dashboard:RunsFolder={folder.Path}");
        if (token is not null) start.ArgumentList.Add($"--Dashboard:AccessToken={token}");
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        switch (way)
        {
            case "urls":
                start.ArgumentList.Add("--urls");
                start.ArgumentList.Add($"http://0.0.0.0:{port}");
                break;
            case "kestrel-argument":
                start.ArgumentList.Add($"--Kestrel:Endpoints:Http:Url=http://0.0.0.0:{port}");
                break;
            case "kestrel-environment":
                start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://0.0.0.0:{port}";
                break;
            case "http-ports":
                start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                start.ArgumentList.Add("--urls");
                start.ArgumentList.Add("");
                break;
        }
        return Process.Start(start)!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => folder.Dispose();
}
