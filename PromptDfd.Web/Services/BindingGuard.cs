using System.Net;

namespace PromptDfd.Web.Services;

/// <summary>Refuses to expose the dashboard beyond this machine unless an access token is configured.</summary>
public static class BindingGuard
{
    public static void Check(IEnumerable<string> urls, DashboardOptions options)
    {
        var exposed = urls.Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count > 0 && string.IsNullOrWhiteSpace(options.AccessToken))
        {
            throw new InvalidOperationException(
                $"The dashboard is configured to listen on {string.Join(", ", exposed)}, which other machines can reach. " +
                "Set Dashboard:AccessToken (e.g. environment variable Dashboard__AccessToken) to allow this, or bind to http://127.0.0.1.");
        }
    }

    /// <summary>
    /// Checks the addresses the server actually bound, once it listens: Kestrel endpoints, ASPNETCORE_HTTP_PORTS and
    /// other settings can bind beyond loopback without touching "Urls", which <see cref="Check"/> reads before start.
    /// Returns the refusal message, or null when the binding is allowed.
    /// </summary>
    public static string? RefusalFor(IEnumerable<string> boundAddresses, DashboardOptions options)
    {
        var exposed = boundAddresses.Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count == 0 || !string.IsNullOrWhiteSpace(options.AccessToken)) return null;
        return $"The dashboard listens on {string.Join(", ", exposed)}, which other machines can reach, and has no access token, so it " +
            $"stops now. " +
               "Set Dashboard:AccessToken (e.g. environment variable Dashboard__AccessToken) to allow this, or bind to http://127.0.0.1 " +
                   "only " +
               "(check --urls, Urls, Kestrel:Endpoints and ASPNETCORE_HTTP_PORTS / ASPNETCORE_URLS).";
    }

    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out Uri? uri)) return false;
        if (uri.Host == "localhost") return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address);
    }
}
