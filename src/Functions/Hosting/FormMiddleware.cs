using Microsoft.Azure.Functions.Worker.Middleware;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Reads the body of a function that declares one (<see cref="FormAttribute"/>) once, after its caller is admitted:
/// JSON or a form, at most 16 KiB, flat, no repeated or unknown parameter. A body that breaks a rule is answered here
/// in the envelope and the function does not run; otherwise the function finds it with <c>request.Form()</c>.
/// </summary>
internal sealed class FormMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http || MethodTunnelMiddleware.ServedBy(context)?.Form is not { } declared)
        {
            await next(context);
            return;
        }

        var (form, error) = await RequestForm.ReadAsync(http, [.. declared.Parameters]);
        if (form is null)
        {
            context.GetInvocationResult().Value = error!.Result();
            return;
        }

        http.Features.Set(form);
        await next(context);
    }
}
