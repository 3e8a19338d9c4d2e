package dev.omnibus.saga.diagram;

import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.saga.model.MachineModel;
import dev.omnibus.saga.model.Transition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Draws a state machine from its model, so a diagram cannot disagree with the code: a Mermaid
 * {@code stateDiagram-v2} (renders on GitHub) or Graphviz DOT. Edges are labelled with the events
 * that make the move, joined when several do; a move made inside an {@code ifThen}/{@code ifElse}
 * branch is marked {@code [if]}; a move made by a state's enter activities is labelled
 * {@code (enter)}. The output is deterministic (declaration order), so it can be checked into docs
 * and compared in a test. Stateless; thread-safe.
 */
public final class SagaDiagram {
    private SagaDiagram() {
    }

    /** The Mermaid state diagram of {@code machine}. */
    public static String mermaid(StateMachine<?> machine) {
        return mermaid(machine.model());
    }

    /** The Mermaid state diagram of {@code model}. */
    public static String mermaid(MachineModel model) {
        StringBuilder out = new StringBuilder("stateDiagram-v2\n");
        for (State s : model.states()) {
            if (!isEnd(s) && !id(s).equals(s.name())) {
                out.append("    state \"").append(s.name()).append("\" as ").append(id(s)).append('\n');
            }
        }
        for (Map.Entry<Edge, List<String>> e : edges(model).entrySet()) {
            out.append("    ").append(mermaidId(e.getKey().from)).append(" --> ").append(mermaidId(e.getKey().to))
                    .append(" : ").append(label(e.getKey(), e.getValue())).append('\n');
        }
        return out.toString();
    }

    /** The Graphviz DOT digraph of {@code machine}. */
    public static String dot(StateMachine<?> machine) {
        return dot(machine.model());
    }

    /** The Graphviz DOT digraph of {@code model}. */
    public static String dot(MachineModel model) {
        StringBuilder out = new StringBuilder("digraph \"").append(escape(model.name())).append("\" {\n");
        out.append("    rankdir=LR;\n    node [shape=box, style=rounded];\n");
        out.append("    \"Initial\" [shape=point, width=0.2];\n    \"Final\" [shape=doublecircle, label=\"\", width=0.2];\n");
        for (State s : model.states()) {
            if (!isEnd(s)) {
                out.append("    \"").append(escape(s.name())).append("\";\n");
            }
        }
        for (Map.Entry<Edge, List<String>> e : edges(model).entrySet()) {
            out.append("    \"").append(escape(e.getKey().from.name())).append("\" -> \"").append(escape(e.getKey().to.name()))
                    .append("\" [label=\"").append(escape(label(e.getKey(), e.getValue()))).append("\"")
                    .append(e.getKey().conditional ? ", style=dashed" : "").append("];\n");
        }
        return out.append("}\n").toString();
    }

    private record Edge(State from, State to, boolean conditional) {
    }

    private static Map<Edge, List<String>> edges(MachineModel model) {
        Map<Edge, List<String>> edges = new LinkedHashMap<>();
        for (Transition t : model.transitions()) {
            Set<String> names = new LinkedHashSet<>(edges.getOrDefault(new Edge(t.from(), t.to(), t.conditional()), List.of()));
            names.add(t.event() == null ? "(enter)" : t.event());
            edges.put(new Edge(t.from(), t.to(), t.conditional()), new ArrayList<>(names));
        }
        return edges;
    }

    private static String label(Edge e, List<String> events) {
        return String.join(", ", events) + (e.conditional ? " [if]" : "");
    }

    private static boolean isEnd(State s) {
        return s.equals(State.INITIAL) || s.equals(State.FINAL);
    }

    private static String mermaidId(State s) {
        return isEnd(s) ? "[*]" : id(s);
    }

    private static String id(State s) {
        return s.name().replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
