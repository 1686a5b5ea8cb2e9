import Foundation

/// Where a user's files live, by the XDG Base Directory spec: one rule for the style profiles
/// (data) and the user's themes (config).
public enum UserFolders {
    /// `$XDG_DATA_HOME`, or `~/.local/share` when it is unset, empty or relative.
    public static func data(environment: [String: String]) -> String {
        base("XDG_DATA_HOME", orUnderHome: ".local/share", environment: environment)
    }

    /// `$XDG_CONFIG_HOME`, or `~/.config` when it is unset, empty or relative.
    public static func config(environment: [String: String]) -> String {
        base("XDG_CONFIG_HOME", orUnderHome: ".config", environment: environment)
    }

    /// The spec: a path in the variable must be absolute, or it is ignored for the default.
    private static func base(_ variable: String, orUnderHome fallback: String, environment: [String: String]) -> String {
        if let value = environment[variable], value.hasPrefix("/") { return value }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/" + fallback
    }
}
