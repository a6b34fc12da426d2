using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PromptDfd.Web.Services;

/// <summary>
/// When Dashboard:AccessToken is set (required to listen beyond loopback), every request must carry it: once as
/// ?access_token=..., which sets an HttpOnly cookie, or as "Authorization: Bearer ...". Without a token configured
/// the dashboard only listens on loopback and this check is off.
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
            await next(context);
            return;
        }
        string? fromQuery = context.Request.Query[QueryName];
        string? fromHeader = context.Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        string? fromCookie = context.Request.Cookies[CookieName];
        if (Matches(fromQuery, expected))
        {
            context.Response.Cookies.Append(CookieName, expected, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
            await next(context);
            return;
        }
        if (Matches(fromHeader, expected) || Matches(fromCookie, expected))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await context.Response.WriteAsync("This PromptDfd dashboard needs its access token: open it once with ?access_token=<token> (see Dashboard:AccessToken).");
    }

    private static bool Matches(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
