// Phase 2 of the FIFO engine: values (SEMANTICS §3.4), resolved after quantities.
//
// The value graph has a node per layer and per outflow; an edge runs from a layer to each outflow
// it allocated units to, and from a source outflow (a sale, a shipment) to each layer derived from
// it. Tarjan's algorithm finds the strongly connected components. Which allocations are cut as
// self-dependent follows §3.4 exactly: first every fill (an allocation made at the inflow's event)
// whose layer and outflow share a component; then every take that still lies on a cycle once those
// fills are cut — in a component without a cut fill, every take inside it; in one with a cut fill,
// the takes inside the components a second search finds there (rare, so that search runs only over
// such components). Components are evaluated sources first; inside one, outflows before layers
// (every allocation inside is cut, so the remaining edges run only from outflows to derived layers).

extension SKUCostRun {
    /// The fallback unit cost of this SKU at a location and instant (§3.4): the latest purchase
    /// receipt there with occurred_at ≤ t, else the latest anywhere, else the standard cost, else 0.
    public func fallbackUnitCost(location: Int, at instant: Instant) -> (UnitCost, FallbackSource) {
        // Events are sorted by occurred_at first, so the receipts with occurred_at ≤ t are a prefix
        // of each receipt list.
        func latest(_ positions: [Int]) -> Int? {
            var low = 0
            var high = positions.count
            while low < high {
                let middle = (low + high) / 2
                if events[positions[middle]].occurredAt <= instant { low = middle + 1 } else { high = middle }
            }
            return low > 0 ? positions[low - 1] : nil
        }
        let latestHere = location >= 0 && location < receiptPositionsByLocation.count
            ? latest(receiptPositionsByLocation[location]) : nil
        let latestAnywhere = latest(receiptPositions)
        func unitCost(_ position: Int) -> UnitCost {
            guard case .purchaseReceipt(let value) = events[position].kind else { preconditionFailure("not a receipt") }
            return UnitCost(value: value, quantity: events[position].quantity)
        }
        if let latestHere { return (unitCost(latestHere), .purchaseHere) }
        // A replay's events all come after its checkpoint's receipts.
        let code = location >= 0 && location < locations.count ? locations[location] : nil
        if let receipt = openingReceipts.first(where: { receipt in
            !receipt.latestAnywhere && code.map { CostRuns.sameBytes(receipt.location, $0) } ?? false
        }) {
            return (UnitCost(value: receipt.value, quantity: receipt.quantity), .purchaseHere)
        }
        if let latestAnywhere { return (unitCost(latestAnywhere), .purchaseElsewhere) }
        if let receipt = openingReceipts.first(where: \.latestAnywhere) {
            return (UnitCost(value: receipt.value, quantity: receipt.quantity), .purchaseElsewhere)
        }
        if let standardCost { return (UnitCost(value: standardCost, quantity: 1), .standardCost) }
        return (UnitCost(value: 0, quantity: 1), .zero)
    }

    /// The outflow a derived layer takes its value from, if any.
    func sourceOutflow(of layer: Layer) -> Int? {
        switch layer.origin {
        case .customerReturn(let saleEvent): return outflowOfEvent[saleEvent] >= 0 ? outflowOfEvent[saleEvent] : nil
        case .transferReceipt(let shipEvent): return outflowOfEvent[shipEvent] >= 0 ? outflowOfEvent[shipEvent] : nil
        default: return nil
        }
    }

    mutating func resolveValues() {
        let layerCount = layers.count
        let nodeCount = layerCount + outflows.count
        // The derived layers of each outflow, as one flat array: outflow o's are
        // `derivedLayers[derivedStarts[o]..<derivedStarts[o + 1]]`, in layer order.
        var derivedStarts = Array(repeating: 0, count: outflows.count + 1)
        var sourceOfLayer = Array(repeating: -1, count: layerCount)
        for index in layers.indices {
            if let source = sourceOutflow(of: layers[index]) {
                sourceOfLayer[index] = source
                derivedStarts[source + 1] += 1
            }
        }
        for outflow in outflows.indices { derivedStarts[outflow + 1] += derivedStarts[outflow] }
        var derivedLayers = Array(repeating: 0, count: derivedStarts[outflows.count])
        var derivedFill = derivedStarts
        for index in layers.indices where sourceOfLayer[index] >= 0 {
            derivedLayers[derivedFill[sourceOfLayer[index]]] = index
            derivedFill[sourceOfLayer[index]] += 1
        }
        let graph = ValueGraph(layerCount: layerCount, derivedStarts: derivedStarts, derivedLayers: derivedLayers)
        var whole = ComponentSearch(nodeCount: nodeCount)
        whole.search(graph, layers, allocations, roots: 0..<nodeCount)
        // §3.4, which allocations of a cycle are cut: first every fill whose layer shares a
        // component with the filling outflow (a fill is made at the inflow's event, a take at the
        // outflow's). Only the components with such a fill need a second look.
        var cutFillComponents: [Int] = []
        var hasCutFill = Set<Int>()
        for index in allocations.indices
        where allocations[index].event != outflows[allocations[index].outflow].event
            && whole.component[allocations[index].layer] == whole.component[layerCount + allocations[index].outflow]
        {
            allocations[index].selfDependent = true
            let component = whole.component[allocations[index].layer]
            if hasCutFill.insert(component).inserted { cutFillComponents.append(component) }
        }
        // Then every take that still lies on a cycle once those fills are cut: in a component
        // without a cut fill, every take inside it; in one with, a take inside one of the
        // components a second search finds there without the cut fills (and without leaving it).
        var within = ComponentSearch(nodeCount: cutFillComponents.isEmpty ? 0 : nodeCount)
        var subcomponents: [Int: Range<Int>] = [:]
        for component in cutFillComponents {
            let first = within.componentEnds.count
            within.search(graph, layers, allocations, roots: whole.members(of: component), inside: (whole.component, component))
            subcomponents[component] = first..<within.componentEnds.count
        }
        for index in allocations.indices where !allocations[index].selfDependent {
            let layer = allocations[index].layer
            let outflow = layerCount + allocations[index].outflow
            guard whole.component[layer] == whole.component[outflow] else { continue }
            if subcomponents[whole.component[layer]] == nil || within.component[layer] == within.component[outflow] {
                allocations[index].selfDependent = true
            }
        }
        // Tarjan emits sinks first: walk the components backwards, sources first. Inside a component
        // every allocation is cut, so its remaining edges run only from outflows to derived layers:
        // outflows first. A component with a cut fill is walked as the components found inside it.
        for component in whole.componentEnds.indices.reversed() {
            // (Most runs have no cut fill: no lookup then.)
            if !subcomponents.isEmpty, let inside = subcomponents[component] {
                for subcomponent in inside.reversed() { valueComponent(within.members(of: subcomponent), layerCount: layerCount) }
            } else {
                valueComponent(whole.members(of: component), layerCount: layerCount)
            }
        }
    }

    /// Values one component whose allocations inside it are all cut: outflows, then layers.
    private mutating func valueComponent(_ members: ArraySlice<Int>, layerCount: Int) {
        for node in members where node >= layerCount { valueOutflow(node - layerCount) }
        for node in members where node < layerCount { valueLayer(node) }
    }

    private mutating func valueOutflow(_ index: Int) {
        var outflow = outflows[index]
        var unpricedUnits = outflow.openDeficit
        var next = outflow.firstAllocation
        while next >= 0 {
            let allocation = allocations[next]
            next = allocation.nextOfOutflow
            if allocation.selfDependent {
                unpricedUnits += allocation.units
                outflow.selfDependent = true
            } else if layers[allocation.layer].provisional {
                outflow.pendingQuantity += allocation.units
                outflow.provisionalCost += allocation.value
                outflow.fromProvisionalLayer = true
            } else {
                outflow.costedQuantity += allocation.units
                outflow.finalCost += allocation.value
            }
        }
        if unpricedUnits > 0 {
            let (unitCost, source) = fallbackUnitCost(location: outflow.location, at: events[outflow.event].occurredAt)
            outflow.pendingQuantity += unpricedUnits
            outflow.provisionalCost += unitCost.cost(of: unpricedUnits)
            outflow.fallback = source
        }
        precondition(
            outflow.quantity == outflow.costedQuantity + outflow.pendingQuantity + outflow.cancelledQuantity,
            "an outflow's units must be costed, pending or cancelled")
        outflows[index] = outflow
    }

    private mutating func valueLayer(_ index: Int) {
        var layer = layers[index]
        let position = layer.event
        func derived(from source: Int?, quantity: Int64) -> Int64 {
            guard let source else { return 0 }
            return derived(cost: outflows[source].finalCost + outflows[source].provisionalCost,
                           pending: outflows[source].pendingQuantity > 0, quantity: quantity)
        }
        // The cumulative rule: the layers derived from one source share out its cost exactly.
        func derived(cost: Int64, pending: Bool, quantity: Int64) -> Int64 {
            guard quantity > 0 else { return 0 }
            layer.provisional = pending
            return roundHalfAwayFromZero(Int128(cost) * Int128(layer.cumulativeAfter), Int128(quantity))
                - roundHalfAwayFromZero(Int128(cost) * Int128(layer.cumulativeBefore), Int128(quantity))
        }
        switch layer.origin {
        case .purchase:
            guard case .purchaseReceipt(let value) = events[position].kind else { preconditionFailure("a purchase layer") }
            layer.value = value
        case .countGain:
            if case .count(let unitCost?) = events[position].kind {
                layer.value = UnitCost(value: unitCost, quantity: 1).cost(of: layer.units)
            } else {
                let (unitCost, source) = fallbackUnitCost(location: layer.location, at: events[position].occurredAt)
                layer.value = unitCost.cost(of: layer.units)
                layer.fallback = source
            }
        case .unusableReturn, .unmatchedTransferReceipt:
            let (unitCost, source) = fallbackUnitCost(location: layer.location, at: events[position].occurredAt)
            layer.value = unitCost.cost(of: layer.units)
            layer.fallback = source
            if case .unmatchedTransferReceipt = layer.origin { layer.provisional = true }
        case .customerReturn(let saleEvent):
            let source = sourceOutflow(of: layer)
            let quantity = source.map { outflows[$0].quantity - outflows[$0].cancelledQuantity } ?? events[saleEvent].quantity
            layer.value = derived(from: source, quantity: quantity)
        case .transferReceipt(let shipEvent):
            layer.value = derived(from: sourceOutflow(of: layer), quantity: events[shipEvent].quantity)
        case .opening(let opening):
            layer.value = openingLayers[opening].value
            layer.provisional = openingLayers[opening].provisional
            layer.fallback = openingLayers[opening].fallback
        case .priorCustomerReturn(let source):
            let sale = priorSources[source]
            layer.value = derived(cost: sale.cost, pending: sale.pending, quantity: sale.quantity - sale.cancelledQuantity)
        case .priorTransferReceipt(let source):
            let shipment = priorSources[source]
            layer.value = derived(cost: shipment.cost, pending: shipment.pending, quantity: shipment.quantity)
        }
        // The remainder rule: each allocation gets round(v × t / u) of what is left.
        var remainingValue = Int128(layer.value)
        var remainingUnits = Int128(layer.units)
        var next = layer.firstAllocation
        while next >= 0 {
            let units = Int128(allocations[next].units)
            let value = roundHalfAwayFromZero(remainingValue * units, remainingUnits)
            allocations[next].value = value
            remainingValue -= Int128(value)
            remainingUnits -= units
            next = allocations[next].nextOfLayer
        }
        precondition(remainingUnits > 0 || remainingValue == 0, "a used-up layer must hand out exactly its value")
        layers[index] = layer
    }

    /// The value a layer still holds after its allocations.
    public func remainingValue(ofLayer index: Int) -> Int64 {
        allocations(ofLayer: index).reduce(layers[index].value) { $0 - allocations[$1].value }
    }
}

/// The value graph's edges besides the allocations: an outflow's derived layers, as one flat array
/// (outflow o's are `derivedLayers[derivedStarts[o]..<derivedStarts[o + 1]]`). Nodes are the
/// layers (0..<layerCount), then the outflows.
struct ValueGraph {
    var layerCount: Int
    var derivedStarts: [Int]
    var derivedLayers: [Int]
}

/// Tarjan's strongly connected components of the value graph, iteratively. A node's edges are
/// walked with a cursor: for a layer, its next allocation (−1: none left); for an outflow, an index
/// into `derivedLayers`. Components are kept as one flat array of members with boundaries, in the
/// order Tarjan emits them (sinks first).
struct ComponentSearch {
    var order: [Int]
    var lowLink: [Int]
    var onStack: [Bool]
    /// Each node's component (−1: not reached).
    var component: [Int]
    var members: [Int] = []
    var componentEnds: [Int] = []
    private var stack: [Int] = []
    private var work: [(node: Int, cursor: Int)] = []
    private var counter = 0

    init(nodeCount: Int) {
        order = Array(repeating: -1, count: nodeCount)
        lowLink = Array(repeating: 0, count: nodeCount)
        onStack = Array(repeating: false, count: nodeCount)
        component = Array(repeating: -1, count: nodeCount)
        members.reserveCapacity(nodeCount)
        componentEnds.reserveCapacity(nodeCount)
    }

    func members(of index: Int) -> ArraySlice<Int> {
        members[(index > 0 ? componentEnds[index - 1] : 0)..<componentEnds[index]]
    }

    /// Finds the components reachable from `roots`. With `inside`, only the nodes of one component
    /// of an earlier search are walked, and cut (self-dependent) allocations are not edges.
    mutating func search(
        _ graph: ValueGraph, _ layers: [SKUCostRun.Layer], _ allocations: [SKUCostRun.Allocation],
        roots: some Sequence<Int>, inside: (component: [Int], index: Int)? = nil
    ) {
        let layerCount = graph.layerCount
        func firstCursor(_ node: Int) -> Int {
            node < layerCount ? layers[node].firstAllocation : graph.derivedStarts[node - layerCount]
        }
        for root in roots where order[root] < 0 {
            work.append((root, firstCursor(root)))
            order[root] = counter
            lowLink[root] = counter
            counter += 1
            stack.append(root)
            onStack[root] = true
            while let (node, cursor) = work.last {
                var target = -1
                if node < layerCount {
                    if cursor >= 0 {
                        work[work.count - 1].cursor = allocations[cursor].nextOfLayer
                        target = layerCount + allocations[cursor].outflow
                        if let inside, allocations[cursor].selfDependent || inside.component[target] != inside.index {
                            continue
                        }
                    }
                } else if cursor < graph.derivedStarts[node - layerCount + 1] {
                    work[work.count - 1].cursor = cursor + 1
                    target = graph.derivedLayers[cursor]
                    if let inside, inside.component[target] != inside.index { continue }
                }
                if target >= 0 {
                    if order[target] < 0 {
                        order[target] = counter
                        lowLink[target] = counter
                        counter += 1
                        stack.append(target)
                        onStack[target] = true
                        work.append((target, firstCursor(target)))
                    } else if onStack[target] {
                        lowLink[node] = min(lowLink[node], order[target])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last { lowLink[parent.node] = min(lowLink[parent.node], lowLink[node]) }
                    if lowLink[node] == order[node] {
                        while true {
                            let member = stack.removeLast()
                            onStack[member] = false
                            component[member] = componentEnds.count
                            members.append(member)
                            if member == node { break }
                        }
                        componentEnds.append(members.count)
                    }
                }
            }
        }
    }
}
