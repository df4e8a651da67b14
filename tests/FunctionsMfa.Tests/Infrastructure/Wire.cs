using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>Small helpers for reading the wire: JSON bodies as documents, and the error envelope.</summary>
public static class Wire
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), $"Empty body with status {(int)response.StatusCode}.");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the status and the envelope, and returns the first error's code.</summary>
    public static async Task<JsonElement> ErrorAsync(this HttpResponseMessage response, int status, string code)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.JsonAsync();
        Assert.True(status == (int)response.StatusCode, $"Expected {status} but got {(int)response.StatusCode}: {body}");
        var error = body.GetProperty("errors")[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("long_message").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("trace_id").GetString()));
        Assert.Equal(JsonValueKind.Object, error.GetProperty("meta").ValueKind);
        return error;
    }

    public static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsync(url, Json(body));

    public static string NewUserId() => "user_" + Guid.NewGuid().ToString("N");

    public static Task<T?> As<T>(this HttpResponseMessage response) => response.Content.ReadFromJsonAsync<T>();
}
