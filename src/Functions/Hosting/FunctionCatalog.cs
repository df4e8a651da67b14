using System.Collections.Frozen;
using System.Reflection;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>Who may call an HTTP function: checked once, by <see cref="AuthenticationMiddleware"/>, before it runs.</summary>
internal enum Caller
{
    /// <summary>Anyone.</summary>
    Anyone,

    /// <summary>The SPA during one sign-in: that sign-in's client token, for the sign-in named by the route's <c>{id}</c>.</summary>
    Client,

    /// <summary>The app's backend: <c>Authorization: Bearer &lt;secret key&gt;</c>.</summary>
    Backend,

    /// <summary>The signed-in user: the session token of a live session.</summary>
    Session,
}

/// <summary>Declares on a function's class who may call it; a class without it is <see cref="Caller.Anyone"/>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class CalledByAttribute(Caller caller) : Attribute
{
    public Caller Caller { get; } = caller;
}

/// <summary>One HTTP function as its attributes declare it: the same attributes the Worker SDK generates its metadata from.</summary>
internal sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, Caller Caller, Wire.FormAttribute? Form, MethodInfo Method)
{
    /// <summary>
    /// The verbs this function serves. A <c>POST</c> listed after a single <c>DELETE</c>, <c>PATCH</c> or <c>PUT</c>
    /// (<c>"delete", "post"</c>) is only the way in for FAPI's <c>?_method=</c> tunnel (a browser's simple request),
    /// not a verb of its own.
    /// </summary>
    public IReadOnlyList<string> OwnMethods { get; } = Methods is [var verb and ("DELETE" or "PATCH" or "PUT"), "POST"] ? [verb] : Methods;
}

/// <summary>
/// The app's HTTP functions, read once from their <c>[Function]</c> and <c>[HttpTrigger]</c> attributes: the middleware
/// finds a function's caller and the owner of a tunnelled verb here, and the OpenAPI document lists them.
/// </summary>
internal static class FunctionCatalog
{
    public static IReadOnlyList<HttpFunction> Http { get; } = Scan(typeof(FunctionCatalog).Assembly);

    private static readonly FrozenDictionary<string, HttpFunction> ByName = Http.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    public static HttpFunction? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The function on <paramref name="route"/> that serves <paramref name="method"/> itself.</summary>
    public static HttpFunction? Owner(string route, string method) =>
        Http.FirstOrDefault(f => f.Route == route && f.OwnMethods.Contains(method));

    private static List<HttpFunction> Scan(Assembly assembly)
    {
        var functions = new List<HttpFunction>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null);
                if (trigger is null)
                {
                    continue;
                }

                var caller = type.GetCustomAttribute<CalledByAttribute>()?.Caller ?? Caller.Anyone;
                functions.Add(new HttpFunction(function.Name, trigger.Route ?? function.Name, [.. (trigger.Methods ?? []).Select(m => m.ToUpperInvariant())], caller, type.GetCustomAttribute<Wire.FormAttribute>(), method));
            }
        }

        return [.. functions.OrderBy(f => f.Route, StringComparer.Ordinal).ThenBy(f => f.Name, StringComparer.Ordinal)];
    }
}
