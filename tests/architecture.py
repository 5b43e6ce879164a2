"""An import-linter contract of the project's own: no import cycle between modules.

import-linter's `acyclic_siblings` looks at siblings of one package; a cycle through
modules of several apps (contributions.services → risk.services → … → contributions.
services) needs the whole graph. grimp's graph holds every import, function-level ones
included.
"""

import grimp
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


class ModuleAcyclicContract(Contract):
    type_name = "module_acyclic"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        cycles = _strongly_connected(graph)
        return ContractCheck(kept=not cycles, warnings=[], metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" <-> ".join(cycle))
            output.new_line()


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of two or more modules that import each other, directly or through others
    (Tarjan's algorithm, iterative)."""
    modules = sorted(module for module in graph.modules if not graph.is_module_squashed(module))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph.modules or graph.is_module_squashed(child):
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups
