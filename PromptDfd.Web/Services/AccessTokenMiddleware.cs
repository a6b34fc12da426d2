using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PromptDfd.Web.Services;

/// <summary>
/// When Dashboard:AccessToken is set (required to listen beyond loopback), every request must carry it: once as
/// ?access_token=..., which sets an HttpOnly cookie, or as "Authorization: Bearer ...". Without a token configured
/// the dashboard only serves this machine: a request from any other address is refused, whatever the server was
/// bound to (the binding guard stops a server bound beyond loopback, and this closes the moment before it does).
/// </summary>
public sealed class AccessTokenMiddleware(RequestDelegate next, IOptions<DashboardOptions> options)
{
    public const string CookieName = "promptdfd_access";
    public const string QueryName = "access_token";

    public async Task InvokeAsync(HttpContext context)
    {
        string expected = options.Value.AccessToken;
        if (string.IsNullOrWhiteSpace(expected))
        {
            // No remote address means an in-process server (tests), which no other machine can reach.
            if (context.Connection.RemoteIpAddress is { } remote && !System.Net.IPAddress.IsLoopback(remote))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("This PromptDfd dashboard has no access token, so it answers only this machine " +
                    "(loopback). Set Dashboard:AccessToken to serve others.");
                return;
            }
            await next(context);
            return;
        }
        string? fromQuery = context.Request.Query[QueryName];
        string? fromHeader = context.Request.Headers.Authorization.ToString() is { } header
            && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        string? fromCookie = context.Request.Cookies[CookieName];
        if (Matches(fromQuery, expected))
        {
            context.Response.Cookies.Append(CookieName, expected, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                IsEssential = true
            });
            await next(context);
            return;
        }
        if (Matches(fromHeader, expected) || Matches(fromCookie, expected))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await context.Response.WriteAsync("This PromptDfd dashboard needs its access token: open it once with ?access_token=<token> (see " +
            "Dashboard:AccessToken).");
    }

    private static bool Matches(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
