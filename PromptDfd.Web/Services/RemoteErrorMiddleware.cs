using System.Net;

namespace PromptDfd.Web.Services;

/// <summary>
/// Keeps error details on this machine: `dotnet run` starts the Development environment, whose exception page shows
/// a stack trace, so a request from any other address that fails gets a plain 500 instead (the error is still logged).
/// </summary>
public sealed class RemoteErrorMiddleware(RequestDelegate next, ILogger<RemoteErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        IPAddress? remote = context.Connection.RemoteIpAddress;
        if (remote is null || IPAddress.IsLoopback(remote))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception error) when (!context.Response.HasStarted)
        {
            logger.LogError(error, "Request {Path} from {Remote} failed", context.Request.Path, remote);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("The dashboard could not answer this request; its log on the host has the details.");
        }
    }
}
