using FunctionsMfa.Functions.Hosting;

// Commands besides serving: `--emit-functions DIR` writes the function folders of the package from the endpoint
// table; `--init-local-settings SAMPLE TARGET` creates local.settings.json with fresh development keys.
return args switch
{
    ["--init-local-settings", var sample, var target] => LocalDevelopment.InitLocalSettings(sample, target, Console.Out),
    ["--emit-functions", var directory, ..] => EmitFunctions(directory),
    _ => await RunAsync(args),
};

static async Task<int> RunAsync(string[] args)
{
    await using var app = MfaApi.Build(args);
    await app.RunAsync();
    return 0;
}

static int EmitFunctions(string directory)
{
    // Mapping the endpoints constructs the queue functions (their names live on the instances), and their dependencies
    // read keys. None is used here, so throwaway keys stand in: a build machine needs neither keys nor storage.
    var app = MfaApi.Build([.. LocalDevelopment.GenerateKeys().Select(k => $"--{k.Key.Replace("__", ":", StringComparison.Ordinal)}={k.Value}")]);
    var functions = FunctionManifest.FromEndpoints(((IEndpointRouteBuilder)app).DataSources);
    FunctionManifest.Write(functions, directory);
    Console.WriteLine($"Wrote {functions.Count} functions to {directory}.");
    return 0;
}

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
