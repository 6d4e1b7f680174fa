/// `-c QUERY` and `--set NAME=VALUE`, taken out of the arguments before the argument parser sees them: it
/// stores a repeated option's values by copying the array for each one, so 10,000 flags took seconds. This pass
/// is linear and keeps each option's values in order.
public struct RepeatedOptions: Equatable {
    public var commands: [String] = []
    public var parameters: [String] = []
    /// The other arguments, in order, for the argument parser.
    public var remaining: [String] = []

    /// Options whose value is the next argument, so a value that looks like `-c` is not taken for one.
    static let otherValueOptions: Set<String> = ["--asof", "--format", "-f", "--errors"]

    public init(_ arguments: [String]) {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                remaining += arguments[i...]
                break
            }
            let hasValue = i + 1 < arguments.count
            if argument == "-c" && hasValue {
                commands.append(arguments[i + 1])
                i += 2
            } else if argument == "--set" && hasValue {
                parameters.append(arguments[i + 1])
                i += 2
            } else if argument.hasPrefix("--set=") {
                parameters.append(String(argument.dropFirst("--set=".count)))
                i += 1
            } else if Self.otherValueOptions.contains(argument) && hasValue {
                remaining += [argument, arguments[i + 1]]
                i += 2
            } else {
                // A `-c` or `--set` without a value stays, for the parser's own message.
                remaining.append(argument)
                i += 1
            }
        }
    }
}
