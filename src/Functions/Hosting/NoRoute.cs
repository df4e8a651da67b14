using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// The route of last resort (a catch-all template: every other template is more specific and wins), so that an
/// unknown path is a 404 and a known path with a verb it does not take is a 405, both in the error envelope, instead of
/// the host's empty 404. Not a documented method.
/// </summary>
internal sealed class NoRoute
{
    public const string Name = nameof(NoRoute);

    private static readonly (TemplateMatcher Matcher, HttpFunction Function)[] Templates =
        [.. FunctionCatalog.Http.Where(f => f.Name != Name).Select(f => (new TemplateMatcher(TemplateParser.Parse(f.Route), new RouteValueDictionary()), f))];

    [Function(Name)]
    public static ErrorResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", Route = "{*path}")] HttpRequest request)
    {
        var path = request.Path.Value ?? "/";
        var known = Templates.Any(t => t.Matcher.TryMatch(path, new RouteValueDictionary()));
        return (known ? MfaErrors.MethodNotAllowed : MfaErrors.ResourceNotFound).Result();
    }
}
